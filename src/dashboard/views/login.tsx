/**
 * The login page: an API key (kept by the server in a session; the page never stores it), or a
 * one-time code from a login link (`/login?code=…`, printed by `npm start`), exchanged at once and
 * removed from the address bar.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type SessionInfo } from '../api.ts';

export function LoginView({ onLogin }: { onLogin: (session: SessionInfo) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const login = async (body: { key: string } | { code: string }) => {
    setBusy(true);
    setError(null);
    try {
      onLogin(await api<SessionInfo>('POST', '/session', body));
    } catch (reason) {
      setError(reason instanceof ApiError ? reason.message : 'the server did not answer; try again');
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const code = params.get('code');
    if (code) {
      window.history.replaceState(null, '', window.location.pathname);
      void login({ code });
    }
  }, []);

  return (
    <div class="login-page">
      <form
        class="login-card"
        onSubmit={(event) => {
          event.preventDefault();
          if (key.trim() !== '') void login({ key: key.trim() });
        }}
      >
        <div class="brand brand-large">
          <span class="brand-mark">▶</span> Conveyor
        </div>
        <p class="muted">
          Sign in with an API key. Create one with <code>conveyor keys create --role operator</code>.
        </p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="key"
          type="password"
          autocomplete="off"
          placeholder="cvk_…"
          value={key}
          onInput={(event) => setKey((event.target as HTMLInputElement).value)}
        />
        {error && (
          <div class="note note-error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" class="btn btn-primary btn-wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
