import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '@dmp/auth';

/** The reply of either HTTP adapter (Fastify's or Express'): both have header() and send(). */
type Response = { header(name: string, value: string): unknown; send(body: string): unknown };

// Shipped next to this file (tools/build/build.mjs copies .html, .css and .js assets to dist/).
const ASSETS = join(__dirname, 'assets');
const FILES: Record<string, string> = {
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
};

/**
 * The operators' dashboard: a static page, public like /docs (it holds no data itself); it asks
 * GET /ops/status for everything, with an operator token. No CDN, no framework: it must work on
 * an operations network without Internet access.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class DashboardController {
  // Read once: a handful of kilobytes, and a missing file stops the boot instead of a request.
  private readonly files = new Map<string, string>(
    ['index.html', ...Object.keys(FILES)].map((name) => [name, readFileSync(join(ASSETS, name), 'utf8')]),
  );

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  page(): string | undefined {
    return this.files.get('index.html');
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const type = FILES[file];
    const body = this.files.get(file);
    if (!type || !body) throw new NotFoundException({ statusCode: 404, code: 'NOT_FOUND', message: `no dashboard file named ${file}` });
    res.header('Content-Type', type);
    res.header('Cache-Control', 'no-cache');
    res.send(body);
  }
}
