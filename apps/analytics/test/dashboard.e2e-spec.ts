import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestDatabase, ServiceProcess, startServiceProcess } from '@dmp/testing';

const SERVICES = ['enrolment', 'documents', 'reimbursements', 'consent', 'analytics'] as const;
const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts');
// Debian's package (apt-get install chromium); playwright never downloads a browser here.
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The whole suite as `npm start` runs it (five processes from dist/: `npm run build` first) on
 * the test PostgreSQL and broker, and the dashboard in headless Chromium: every service listed
 * up, then one stopped and seen down. The screenshot lands in test-artifacts/ (gitignored).
 */
describe('the operators dashboard in a browser', () => {
  const services = new Map<string, ServiceProcess>();
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const browserLog: string[] = [];

  /** Waits for a selector; on timeout, fails with what the page said (console, banner). */
  async function see(selector: string, timeoutMs: number): Promise<void> {
    try {
      await page.locator(selector).waitFor({ timeout: timeoutMs });
    } catch (error) {
      const banner = await page.locator('#banner').textContent().catch(() => '');
      const overall = await page.locator('#overall').textContent().catch(() => '');
      throw new Error(`${selector} not seen within ${timeoutMs} ms (page says "${overall}", banner "${banner}")\nbrowser log:\n${browserLog.slice(-20).join('\n')}\n${String(error)}`);
    }
  }

  beforeAll(async () => {
    const started = await Promise.allSettled(
      SERVICES.map(async (service) =>
        startServiceProcess(
          service,
          {
            DATABASE_URL: await createTestDatabase(`dashboard_${service}`),
            LOG_LEVEL: 'warn',
            HEARTBEAT_INTERVAL_MS: '1000',
            AUTH_DEV_ISSUER: 'true',
            ...(service === 'analytics' ? { ANALYTICS_OPS_DOWN_AFTER_HEARTBEATS: '3', ANALYTICS_OPS_LAG_POLL_MS: '2000' } : {}),
          },
          { readyTimeoutMs: 90_000 },
        ),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') services.set(result.value.service, result.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    profile = mkdtempSync(join(tmpdir(), 'dmp-dashboard-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 1100 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => browserLog.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => browserLog.push(`pageerror: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) browserLog.push(`${response.status()} ${response.url()}`);
    });
  }, 150_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await Promise.all([...services.values()].map((s) => s.stop()));
  }, 60_000);

  it('lists every service as up, with a development token fetched by the page itself', async () => {
    await page.goto(`${services.get('analytics')!.url}/dashboard?refresh=1`);

    for (const service of SERVICES) {
      await see(`tr.service[data-service="${service}"][data-state="up"]`, 60_000);
    }
    await see('#overall[data-state="up"]', 10_000);

    expect(await page.locator('tr.service').count()).toBe(SERVICES.length);
    expect(await page.locator('#login').isHidden()).toBe(true);
  }, 90_000);

  it('shows a stopped service as down and saves a screenshot', async () => {
    await services.get('documents')!.stop();

    await see('tr.service[data-service="documents"][data-state="down"]', 30_000);
    await see('#overall[data-state="down"]', 10_000);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    expect(await page.locator('tr.service[data-service="enrolment"]').getAttribute('data-state')).toBe('up');
    // Its last heartbeats said "not ready" while it shut down, then none came: either way, not up.
    expect(await page.locator('tr.instance[data-state="silent"], tr.instance[data-state="not-ready"]').count()).toBe(1);
  }, 60_000);
});
