import { test } from 'node:test';
import assert = require('node:assert/strict');
import {
  EventType, eventVector, eventType, eventValid, eventHasErrorCode, makeEventInfo, eventInjIsLegal,
  eventDeliveryVector, EVENT_VALID,
} from './event-inj';

test('decode fields (svm.md 7)', () => {
  const lo = 0x80000b0e | 0; // V, EV, type 3, vector 14 (#PF)
  assert.equal(eventVector(lo), 14);
  assert.equal(eventType(lo), EventType.EXCEPTION);
  assert.equal(eventValid(lo), true);
  assert.equal(eventHasErrorCode(lo), true);
  assert.equal(eventValid(0x0b0e), false);
  assert.equal(eventHasErrorCode(0x80000320 | 0), false);
  assert.equal(eventValid(0x80000000), true); // unsigned form works too
});

test('makeEventInfo builds signed int32 values', () => {
  assert.equal(makeEventInfo(14, EventType.EXCEPTION, true), 0x80000b0e | 0);
  assert.equal(makeEventInfo(0x20, EventType.INTR, false), 0x80000020 | 0);
  assert.equal(makeEventInfo(2, EventType.NMI, false), 0x80000202 | 0);
  assert.equal(makeEventInfo(0x80, EventType.SOFT_INT, false), 0x80000480 | 0);
  assert.equal(EVENT_VALID, 0x80000000 | 0);
});

test('eventInjIsLegal: types', () => {
  assert.equal(eventInjIsLegal(0, false), true); // nothing to inject
  assert.equal(eventInjIsLegal(0x0700, false), true); // V=0: reserved type ignored
  for (const t of [1, 5, 6, 7]) assert.equal(eventInjIsLegal(makeEventInfo(0x20, t, false), false), false, `type ${t}`);
  for (const v of [0, 0x20, 0xff]) {
    assert.equal(eventInjIsLegal(makeEventInfo(v, EventType.INTR, false), true), true);
    assert.equal(eventInjIsLegal(makeEventInfo(v, EventType.SOFT_INT, false), true), true);
    assert.equal(eventInjIsLegal(makeEventInfo(v, EventType.NMI, false), true), true);
  }
});

test('eventInjIsLegal: exception vectors (Bochs: 2 and > 31 illegal)', () => {
  for (let v = 0; v < 256; v++) {
    const want = v !== 2 && v <= 31;
    assert.equal(eventInjIsLegal(makeEventInfo(v, EventType.EXCEPTION, false), false), want, `vector ${v}`);
  }
  assert.equal(eventInjIsLegal(makeEventInfo(31, EventType.EXCEPTION, false), false), true); // QEMU would reject
});

test('eventInjIsLegal: #OF and #BR illegal in 64-bit mode (Bochs)', () => {
  for (const v of [4, 5]) {
    assert.equal(eventInjIsLegal(makeEventInfo(v, EventType.EXCEPTION, false), false), true);
    assert.equal(eventInjIsLegal(makeEventInfo(v, EventType.EXCEPTION, false), true), false);
  }
  assert.equal(eventInjIsLegal(makeEventInfo(3, EventType.EXCEPTION, false), true), true);
  assert.equal(eventInjIsLegal(makeEventInfo(4, EventType.SOFT_INT, false), true), true);
});

test('eventInjIsLegal: reserved bits 30:12 must be zero', () => {
  const ok = makeEventInfo(13, EventType.EXCEPTION, true);
  assert.equal(eventInjIsLegal(ok, false), true);
  for (let b = 12; b <= 30; b++) assert.equal(eventInjIsLegal(ok | (1 << b), false), false, `bit ${b}`);
});

test('NMI always delivers vector 2', () => {
  assert.equal(eventDeliveryVector(makeEventInfo(0x55, EventType.NMI, false)), 2);
  assert.equal(eventDeliveryVector(makeEventInfo(0x55, EventType.INTR, false)), 0x55);
});
