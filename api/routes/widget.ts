import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { openWidgetSession } from '../../app/widget';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { DEMO_PAGE, WIDGET_STYLESHEET, widgetScript } from '../widget-assets';

/** The demo page loads only this origin's script and stylesheet and talks to this origin: no inline code at all. */
const DEMO_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const escapeAttribute = (value: string): string => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The widget's script, stylesheet and demo page; its session route is with the conversations'. */
export function widgetRoutes(deps: ApiDeps, demoPage: boolean): Router {
  const { auth } = deps;
  const router = Router();
  const demoTemplate = readFileSync(DEMO_PAGE, 'utf8');

  router.get('/widget.js', async (_req, res) => {
    res.type('application/javascript').setHeader('cache-control', 'public, max-age=300');
    res.send(await widgetScript());
  });

  router.get('/widget.css', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=300');
    res.sendFile(WIDGET_STYLESHEET);
  });

  // The demo plays the business's backend: it mints the visitor's token server-side, as a real site would.
  router.get('/demo', async (_req, res) => {
    if (!demoPage) throw new ApiError('route_not_found', 'The demo page is off (TANDEM_DEMO_PAGE=1 serves it).');
    const { conversationId } = await openWidgetSession(deps, {}, true);
    const { token, expiresAt } = auth.visitorToken(conversationId);
    const values: Record<string, string> = { conversationId, token, expiresAt };
    res.setHeader('content-security-policy', DEMO_POLICY);
    res.type('html').send(demoTemplate.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => escapeAttribute(values[name] ?? '')));
  });

  return router;
}
