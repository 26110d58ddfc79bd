// Regression: a reporter used only through report() (never started) kept the interval readers of
// metrics removed from the registry open.
import { describe, expect, it, vi } from 'vitest';
import { IntervalReader, ManualClock, Registry, StatsdReporter } from '../../src/index.js';

describe('regression: report only reporter leaks readers of removed metrics', () => {
  it('a reporter used only through report() closes readers of removed metrics', async () => {
    const close = vi.spyOn(IntervalReader.prototype, 'close');
    const reg = new Registry({ clock: new ManualClock() });
    const reporter = new StatsdReporter({ registry: reg, host: '127.0.0.1', port: 9, protocol: 'udp' });
    reg.histogram('tmp.h').record(1);
    await reporter.report(); // no start(): readers are opened lazily here
    expect(close).not.toHaveBeenCalled();
    expect(reg.remove('tmp.h')).toBe(true);
    expect(close).toHaveBeenCalledTimes(1);
    await reporter.stop();
    close.mockRestore();
  });
});
