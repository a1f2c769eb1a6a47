// Sign in with an API token (viewer or admin), and the page any console error is told on.
import type { FC } from 'hono/jsx';
import { Layout } from '../layout.js';
import type { Session } from '../session.js';

export const LoginPage: FC<{ csrf: string; next: string; error?: string }> = ({ csrf, next, error }) => (
  <Layout title="Sign in" {...(error ? { notice: { kind: 'error' as const, text: error } } : {})}>
    <section class="panel login">
      <h1>Sign in to the dfw console</h1>
      <p class="muted">Use an API token with the viewer role (read) or the admin role (waivers, rollbacks).</p>
      <form method="post" action="/ui/login">
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="next" value={next} />
        <label>
          API token
          <input type="password" name="token" autocomplete="current-password" required />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </section>
  </Layout>
);

export const ErrorPage: FC<{ status: number; message: string; session?: Session | undefined }> = ({ status, message, session }) => (
  <Layout title={`Error ${status}`} {...(session ? { session } : {})} notice={{ kind: 'error', text: message }}>
    <h1>{status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Something went wrong'}</h1>
    <p>
      <a href="/ui">Back to the overview</a>
    </p>
  </Layout>
);
