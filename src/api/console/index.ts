// The web console (/ui): pages, sessions, CSRF, CSP.
export { consoleRoutes } from './routes.js';
