/**
 * The robot end-effector: a kinematic vertical cylinder of `radius`, infinite upwards from its tip. The tip is
 * the centre of its bottom disc, in world metres; that is the point recorded as the end-effector per frame.
 */
export interface PusherPose {
  x: number;
  y: number;
  /** Height of the tip above the table. */
  z: number;
}

export interface PusherContact {
  /** Particles pushed by the cylinder at least once since the flag array was last cleared (1 = touched). */
  touched: Uint8Array;
}
