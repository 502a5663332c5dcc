/**
 * Per-camera colour correction of the rendered image, used only inside the losses (the reference's cam_m / cam_c):
 * im'[ch] = exp(logGain[c, ch]) * im[ch] + offset[c, ch]. It absorbs exposure and white-balance differences between
 * the cameras so that the Gaussians' colours do not have to. Images are planar 3 x H x W.
 */
export interface ColorAffine {
  /** cameras*3: log of the per-channel gain, m_c. */
  logGain: Float32Array;
  /** cameras*3: per-channel offset, c_c. */
  offset: Float32Array;
}

/** The identity correction for `cameras` cameras (all zeros). */
export function createColorAffine(cameras: number): ColorAffine {
  if (!Number.isInteger(cameras) || cameras < 1) {
    throw new RangeError(`createColorAffine: cameras must be a positive integer, got ${cameras}`);
  }
  return { logGain: new Float32Array(3 * cameras), offset: new Float32Array(3 * cameras) };
}

/**
 * Returns the corrected copy of `image` (planar 3 x H x W) for camera `camera`. With `offsetMask` (H x W) the offset
 * is added only where the mask is non-zero: the tracker's later frames add it on the capture's object pixels, so
 * that the render's empty background stays black like the masked target's (see TrackPreset.colorOffsetOnMask).
 */
export function applyColorAffine(
  image: Float32Array,
  affine: ColorAffine,
  camera: number,
  offsetMask?: Uint8Array,
): Float32Array {
  const plane = checkArgs('applyColorAffine', image, affine, camera, offsetMask);
  const out = new Float32Array(image.length);
  for (let ch = 0; ch < 3; ch++) {
    const gain = Math.exp(affine.logGain[3 * camera + ch]);
    const offset = affine.offset[3 * camera + ch];
    const base = ch * plane;
    if (offsetMask === undefined) {
      for (let p = base; p < base + plane; p++) out[p] = gain * image[p] + offset;
    } else {
      for (let p = 0; p < plane; p++)
        out[base + p] = gain * image[base + p] + (offsetMask[p] !== 0 ? offset : 0);
    }
  }
  return out;
}

/**
 * Backward of applyColorAffine given dL/d(corrected image): dL/dimage = gain * gradOut, dL/dlogGain[ch] =
 * sum(gradOut * gain * image), dL/doffset[ch] = sum(gradOut) (over the mask's pixels with `offsetMask`), the sums
 * in float64.
 */
export function colorAffineBackward(
  image: Float32Array,
  gradOut: Float32Array,
  affine: ColorAffine,
  camera: number,
  offsetMask?: Uint8Array,
): { gradImage: Float32Array; gradLogGain: Float32Array; gradOffset: Float32Array } {
  const plane = checkArgs('colorAffineBackward', image, affine, camera, offsetMask);
  if (gradOut.length !== image.length) {
    throw new RangeError(
      `colorAffineBackward: gradOut has ${gradOut.length} values, expected ${image.length} (like image)`,
    );
  }
  const gradImage = new Float32Array(image.length);
  const gradLogGain = new Float32Array(3);
  const gradOffset = new Float32Array(3);
  for (let ch = 0; ch < 3; ch++) {
    const gain = Math.exp(affine.logGain[3 * camera + ch]);
    const base = ch * plane;
    let sumGi = 0;
    let sumG = 0;
    for (let p = 0; p < plane; p++) {
      const g = gradOut[base + p];
      gradImage[base + p] = gain * g;
      sumGi += g * image[base + p];
      if (offsetMask === undefined || offsetMask[p] !== 0) sumG += g;
    }
    gradLogGain[ch] = gain * sumGi;
    gradOffset[ch] = sumG;
  }
  return { gradImage, gradLogGain, gradOffset };
}

/** Returns the plane size H*W after checking the image layout and the camera index. */
function checkArgs(
  name: string,
  image: Float32Array,
  affine: ColorAffine,
  camera: number,
  offsetMask: Uint8Array | undefined,
): number {
  if (image.length % 3 !== 0) {
    throw new RangeError(`${name}: image has ${image.length} values, expected planar 3 x H x W`);
  }
  if (offsetMask !== undefined && 3 * offsetMask.length !== image.length) {
    throw new RangeError(
      `${name}: offsetMask has ${offsetMask.length} values, expected one per pixel (${image.length / 3})`,
    );
  }
  const cameras = affine.logGain.length / 3;
  if (!Number.isInteger(camera) || camera < 0 || camera >= cameras || affine.offset.length !== 3 * cameras) {
    throw new RangeError(
      `${name}: camera ${camera} is out of range for a colour affine of ${cameras} cameras (logGain ${affine.logGain.length}, offset ${affine.offset.length} values)`,
    );
  }
  return image.length / 3;
}
