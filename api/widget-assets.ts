import { join } from 'node:path';
import { build } from 'esbuild';

// The chat widget is TypeScript (web/widget/) that imports the typed client (client/); browsers get
// one self-contained script, bundled once per process on first request and kept in memory.

const WEB = join(__dirname, '..', 'web');
export const WIDGET_STYLESHEET = join(WEB, 'widget', 'widget.css');
export const DEMO_PAGE = join(WEB, 'demo.html');

let bundled: Promise<string> | undefined;

export function widgetScript(): Promise<string> {
  bundled ??= build({
    entryPoints: [join(WEB, 'widget', 'widget.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  // A failed build is not cached: the next request tries again (and the error reaches the log).
  bundled.catch(() => {
    bundled = undefined;
  });
  return bundled;
}
