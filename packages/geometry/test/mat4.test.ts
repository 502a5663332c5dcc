import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkRigid,
  fromRotationTranslation,
  invertRigid,
  mat4FromRows,
  multiply4,
  rotationX4,
} from '../src/mat4.js';
import { quatFromAxisAngle, quatFromMatrix, quatToMatrix } from '../src/quaternion.js';

test('invertRigid is the inverse of a rigid transform', () => {
  const m = fromRotationTranslation(quatToMatrix(quatFromAxisAngle([1, 2, 3], 0.7)), [0.1, -0.2, 0.3]);
  const prod = multiply4(m, invertRigid(m));
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(prod[i] - (i % 5 === 0 ? 1 : 0)) < 1e-12);
});

test('checkRigid accepts rotations and names what is wrong with the rest', () => {
  assert.equal(checkRigid(rotationX4(Math.PI)), undefined);
  const scaled = rotationX4(0.3);
  scaled[0] = 2;
  assert.match(checkRigid(scaled) ?? '', /not orthonormal/);
  const mirror = mat4FromRows([
    [-1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ]);
  assert.match(checkRigid(mirror) ?? '', /determinant/);
  const projective = rotationX4(0.1);
  projective[14] = 0.5;
  assert.match(checkRigid(projective) ?? '', /last row/);
  const nan = rotationX4(0.1);
  nan[3] = Number.NaN;
  assert.match(checkRigid(nan) ?? '', /not finite/);
});

test('quaternion to matrix and back', () => {
  for (const [axis, angle] of [
    [[0, 0, 1], 0.2],
    [[1, 0, 0], Math.PI],
    [[0.3, -1, 0.5], 2.9],
  ] as const) {
    const q = quatFromAxisAngle([axis[0], axis[1], axis[2]], angle);
    const back = quatFromMatrix(quatToMatrix(q));
    const sign = Math.sign(q[0]) || 1;
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(back[i] - sign * q[i]) < 1e-9, `${back} vs ${q}`);
  }
});
