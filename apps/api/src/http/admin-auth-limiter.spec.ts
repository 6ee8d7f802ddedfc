import { FailureWindow } from './admin-auth-limiter';

describe('FailureWindow', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('refuses a client at the limit until its oldest failure leaves the window', () => {
    const w = new FailureWindow(3, 60_000, 100, clock);
    expect(w.record('a')).toBe(1);
    now += 10_000;
    w.record('a');
    now += 10_000;
    expect(w.record('a')).toBe(3);
    // Blocked until the first failure is 60 s old: 40 s from now.
    expect(w.blockedForMs('a')).toBe(40_000);
    expect(w.blockedForMs('b')).toBe(0);
    now += 40_000;
    // One guess again, then blocked until the second failure is 60 s old.
    expect(w.blockedForMs('a')).toBe(0);
    expect(w.record('a')).toBe(3);
    expect(w.blockedForMs('a')).toBe(10_000);
  });

  it('forgets failures older than the window', () => {
    const w = new FailureWindow(2, 60_000, 100, clock);
    w.record('a');
    now += 61_000;
    expect(w.record('a')).toBe(1);
    expect(w.blockedForMs('a')).toBe(0);
  });

  it('keeps at most maxClients clients, forgetting the least recently failing first', () => {
    const w = new FailureWindow(1, 60_000, 2, clock);
    w.record('a');
    w.record('b');
    w.record('a');
    w.record('c');
    expect(w.blockedForMs('a')).toBeGreaterThan(0);
    expect(w.blockedForMs('c')).toBeGreaterThan(0);
    expect(w.blockedForMs('b')).toBe(0);
  });
});
