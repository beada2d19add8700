import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  advanceGuidance,
  assessFrame,
  DEFAULT_THRESHOLDS,
  HEAD_CENTRE_IN_BOX,
  holdProgress,
  INITIAL_GUIDANCE,
  ovalInFrame,
  ovalInView,
  parseGuidanceFrame,
  significantFaces,
  type FaceBox,
  type GuidanceFrame,
  type ViewLayout,
} from './guidance.js';

// A 640x480 camera shown whole in an 800x600 view, guidance frames at 320x240.
const DESKTOP: ViewLayout = { videoWidth: 640, videoHeight: 480, viewWidth: 800, viewHeight: 600 };
const OVAL = ovalInFrame(DESKTOP, 320, 240);

/** A face of the given width with the head centred in the oval, as tall as faces usually are for their width. */
function faceAt(width: number, dx = 0, dy = 0): FaceBox {
  const height = width * 1.3;
  return { x: OVAL.cx - width / 2 + dx, y: OVAL.cy - HEAD_CENTRE_IN_BOX * height + dy, width, height, score: 0.98 };
}

function frame(faces: FaceBox[], extra: Partial<GuidanceFrame> = {}): GuidanceFrame {
  return { faces, frameWidth: 320, frameHeight: 240, brightness: 130, ...extra };
}

const GOOD = faceAt(0.7 * 2 * OVAL.rx);

describe('oval geometry', () => {
  it('keeps the oval inside the view and 3:4', () => {
    for (const [w, h] of [[800, 600], [390, 844], [1920, 1080]]) {
      const oval = ovalInView(w, h);
      assert.ok(oval.cx - oval.rx >= 0 && oval.cx + oval.rx <= w, `${w}x${h} width`);
      assert.ok(oval.cy - oval.ry >= 0 && oval.cy + oval.ry <= h, `${w}x${h} height`);
      assert.ok(Math.abs(oval.rx / oval.ry - 0.75) < 1e-9);
    }
  });

  it('maps the oval through a cover crop into frame pixels', () => {
    // Portrait phone view of a landscape camera: only the middle of the video is visible.
    const phone: ViewLayout = { videoWidth: 640, videoHeight: 480, viewWidth: 390, viewHeight: 844 };
    const oval = ovalInFrame(phone, 640, 480);
    const visibleWidth = (390 / 844) * 480;
    assert.ok(Math.abs(oval.cx - 320) < 1e-9, 'centred horizontally');
    assert.ok(Math.abs(2 * oval.rx - 0.8 * visibleWidth) < 1e-6, 'oval is 80% of the visible width');
    // The same layout, frames at half size: everything halves.
    const half = ovalInFrame(phone, 320, 240);
    assert.ok(Math.abs(half.rx - oval.rx / 2) < 1e-9 && Math.abs(half.cy - oval.cy / 2) < 1e-9);
  });
});

describe('assessFrame', () => {
  const check = (f: GuidanceFrame, previous: FaceBox | null = null) => assessFrame(f, OVAL, previous).feedback;

  it('accepts a well-placed, well-lit, frontal, steady face', () => {
    assert.equal(check(frame([GOOD], { yaw: 5, pitch: -4 }), GOOD), 'FEEDBACK_OK');
  });

  it('asks for a face when there is none, unless it is too dark or bright to see one', () => {
    assert.equal(check(frame([])), 'FEEDBACK_INSIDE_GUIDE');
    assert.equal(check(frame([], { brightness: 20 })), 'FEEDBACK_CHANGE_LIGHT_TOO_DARK');
    assert.equal(check(frame([], { brightness: 240 })), 'FEEDBACK_CHANGE_LIGHT_TOO_BRIGHT');
  });

  it('ignores weak detections and small background faces, but not a second person', () => {
    assert.equal(check(frame([GOOD, { ...GOOD, score: 0.2, x: 5 }])), 'FEEDBACK_OK');
    assert.equal(check(frame([GOOD, { x: 2, y: 2, width: 20, height: 26, score: 0.9 }])), 'FEEDBACK_OK');
    assert.equal(check(frame([GOOD, { ...GOOD, x: 10, width: GOOD.width * 0.8 }])), 'FEEDBACK_MULTIPLE_FACES');
  });

  it('tells the person to move closer, away, or to centre their face', () => {
    assert.equal(check(frame([faceAt(0.3 * 2 * OVAL.rx)])), 'FEEDBACK_FAR');
    assert.equal(check(frame([faceAt(1.1 * 2 * OVAL.rx)])), 'FEEDBACK_CLOSE');
    assert.equal(check(frame([faceAt(GOOD.width, 0.5 * OVAL.rx, 0)])), 'FEEDBACK_NOT_CENTERED');
    assert.equal(check(frame([faceAt(GOOD.width, 0, -0.4 * OVAL.ry)])), 'FEEDBACK_NOT_CENTERED');
  });

  it('says the face is outside when the frame cuts it off', () => {
    assert.equal(check(frame([{ ...GOOD, x: -10 }])), 'FEEDBACK_FACE_OUTSIDE');
    assert.equal(check(frame([{ ...GOOD, y: 240 - GOOD.height + 1 }])), 'FEEDBACK_FACE_OUTSIDE');
  });

  it('judges lighting on the face before placement', () => {
    assert.equal(check(frame([faceAt(20)], { brightness: 30 })), 'FEEDBACK_CHANGE_LIGHT_TOO_DARK');
    assert.equal(check(frame([GOOD], { brightness: 230 })), 'FEEDBACK_CHANGE_LIGHT_TOO_BRIGHT');
  });

  it('asks to look straight when the head is turned', () => {
    assert.equal(check(frame([GOOD], { yaw: -30 })), 'FEEDBACK_LEFT_FACING');
    assert.equal(check(frame([GOOD], { yaw: 30 })), 'FEEDBACK_RIGHT_FACING');
    assert.equal(check(frame([GOOD], { pitch: 30 })), 'FEEDBACK_UP_FACING');
    assert.equal(check(frame([GOOD], { pitch: -30 })), 'FEEDBACK_DOWN_FACING');
  });

  it('asks to hold still when the face moved since the last frame', () => {
    assert.equal(check(frame([GOOD]), faceAt(GOOD.width, 0.2 * GOOD.width, 0)), 'FEEDBACK_NOT_STABLE');
    assert.equal(check(frame([GOOD]), faceAt(GOOD.width * 0.8)), 'FEEDBACK_NOT_STABLE');
    assert.equal(check(frame([GOOD]), faceAt(GOOD.width, 0.05 * GOOD.width, 0)), 'FEEDBACK_OK');
  });

  it('orders faces widest first', () => {
    const small = { ...GOOD, width: GOOD.width * 0.6 };
    assert.deepEqual(significantFaces([small, GOOD]), [GOOD, small]);
  });
});

describe('advanceGuidance and holdProgress', () => {
  it('captures after the face stayed good for the hold time, and restarts the hold on any problem', () => {
    let state = advanceGuidance(INITIAL_GUIDANCE, frame([GOOD]), DESKTOP, 0);
    assert.equal(state.feedback, 'FEEDBACK_OK');
    assert.equal(holdProgress(state, 500), 0.5);
    state = advanceGuidance(state, frame([GOOD]), DESKTOP, 400);
    assert.equal(state.goodSince, 0, 'a steady face keeps its hold');
    state = advanceGuidance(state, frame([faceAt(GOOD.width, 0.2 * GOOD.width, 0)]), DESKTOP, 700);
    assert.equal(state.feedback, 'FEEDBACK_NOT_STABLE', 'moved, though still inside the oval');
    assert.equal(holdProgress(state, 800), 0);
    state = advanceGuidance(state, frame([faceAt(GOOD.width, 0.6 * GOOD.width, 0)]), DESKTOP, 1000);
    assert.equal(state.feedback, 'FEEDBACK_NOT_CENTERED', 'placement is reported before movement');
    state = advanceGuidance(state, frame([GOOD]), DESKTOP, 1300);
    state = advanceGuidance(state, frame([GOOD]), DESKTOP, 1600);
    assert.equal(state.goodSince, 1600, 'the jump back into place counted as movement');
    assert.equal(holdProgress(state, 1600 + DEFAULT_THRESHOLDS.holdMs + 50), 1);
  });

  it('forgets the face when it leaves, so its return is not taken for movement', () => {
    let state = advanceGuidance(INITIAL_GUIDANCE, frame([GOOD]), DESKTOP, 0);
    state = advanceGuidance(state, frame([]), DESKTOP, 300);
    assert.equal(state.lastFace, null);
    state = advanceGuidance(state, frame([faceAt(GOOD.width, 0.05 * GOOD.width, 0)]), DESKTOP, 600);
    assert.equal(state.feedback, 'FEEDBACK_OK');
  });
});

describe('parseGuidanceFrame', () => {
  it('takes the endpoint answer, with or without pose', () => {
    const answer = { faces: [{ x: 1, y: 2, width: 30, height: 40, score: 0.9 }], frameWidth: 320, frameHeight: 240, brightness: 120 };
    assert.deepEqual(parseGuidanceFrame(answer), answer);
    assert.deepEqual(parseGuidanceFrame({ ...answer, yaw: -3, pitch: 4, extra: 'ignored' }), { ...answer, yaw: -3, pitch: 4 });
  });

  it('refuses malformed answers', () => {
    const good = { faces: [], frameWidth: 320, frameHeight: 240, brightness: 120 };
    for (const bad of [null, [], 'x', { ...good, faces: undefined }, { ...good, frameWidth: 0 }, { ...good, brightness: 'high' }, { ...good, faces: [{ x: 1 }] }, { ...good, yaw: null }]) {
      assert.throws(() => parseGuidanceFrame(bad), TypeError, JSON.stringify(bad));
    }
  });
});

describe('a real detection', () => {
  // The engine's box for the browser test's face (Colin_Powell_0001 scaled to 480 px high on a 640x480 frame), in a 320x240 guidance frame.
  const colin: FaceBox = { x: 110, y: 66, width: 87, height: 114, score: 1 };

  it('is accepted on a desktop view and on a portrait phone view', () => {
    assert.equal(assessFrame(frame([colin], { yaw: -17.8, pitch: -5.5 }), OVAL, colin).feedback, 'FEEDBACK_OK');
    const phone = ovalInFrame({ videoWidth: 640, videoHeight: 480, viewWidth: 358, viewHeight: 607 }, 320, 240);
    assert.equal(assessFrame(frame([colin]), phone, colin).feedback, 'FEEDBACK_OK');
  });
});
