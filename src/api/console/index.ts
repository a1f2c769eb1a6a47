// The web console (/ui): pages, sessions, CSRF, CSP.
export { consoleRoutes, type ConsoleDeps } from './routes.js';
