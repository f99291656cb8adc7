import type { RequestHandler } from 'express';
import type { Auth } from './auth';

// The widget runs on the business's site, another origin than this API: browsers there may call
// the routes a visitor uses, and only from the origins configured (TANDEM_WIDGET_ORIGINS).

const VISITOR_ROUTES = /^\/v1\/(widget\/sessions$|conversations\/[^/]+(\/[^/]+)?$)/;
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export function widgetCors(auth: Auth): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (!VISITOR_ROUTES.test(req.path) || !auth.allowsOrigin(origin)) return next();
    res.setHeader('access-control-allow-origin', origin as string);
    res.setHeader('vary', 'Origin');
    if (req.method !== 'OPTIONS' || !req.get('access-control-request-method')) return next();
    res.setHeader('access-control-allow-methods', 'GET, POST');
    res.setHeader('access-control-allow-headers', 'authorization, content-type, last-event-id');
    res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    res.status(204).end();
  };
}
