import { readdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it, vi } from 'vitest';
import { BROWSER_ENDPOINT_ENV, launchBrowser, startBrowserServer, stopBrowserServer } from '../support/browser';

/**
 * The run's one Chromium (test/setup/global.ts): every browser test file connects to it instead of
 * launching its own, and the run stops it by pid.
 */
describe("the run's one browser", () => {
  it('inside vitest, each file connects to the one Chromium the global setup started; closing one file’s browser leaves it to the others', async () => {
    // Prepare
    expect(process.env[BROWSER_ENDPOINT_ENV]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    // A spy, not a stub: it only counts launches (none may happen; both browsers are real connections).
    const launches = vi.spyOn(chromium, 'launch');
    const first = await launchBrowser();
    const second = await launchBrowser();
    const page = await first.newPage();
    await page.setContent('<p>first</p>');

    // Act
    await first.close();

    // Assess: the other file's browser still works; each had its own contexts.
    expect(first.isConnected()).toBe(false);
    expect(second.isConnected()).toBe(true);
    expect(second.contexts()).toEqual([]);
    const other = await second.newPage();
    await other.setContent('<p>second</p>');
    expect(await other.locator('p').innerText()).toBe('second');
    await second.close();
    expect(launches).not.toHaveBeenCalled();
    launches.mockRestore();
  });

  it('a browser server is stopped by pid: nothing is left running', async () => {
    // Prepare
    const server = await startBrowserServer();
    expect(server).toBeDefined();
    const pid = server!.process().pid!;
    expect(() => process.kill(pid, 0)).not.toThrow();

    // Act
    await stopBrowserServer(server!);

    // Assess
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('every browser test file gets its browser from launchBrowser(): none launches one of its own or names a browser path', () => {
    const dir = new URL('../e2e/', import.meta.url);
    const files = readdirSync(dir).filter((name) => name.endsWith('.test.ts'));
    const own = files.filter((name) => /chromium\.launch|executablePath|\/usr\/bin\/chrom/.test(readFileSync(new URL(name, dir), 'utf8')));
    expect(files.length).toBeGreaterThan(10);
    expect(own).toEqual([]);
  });
});
