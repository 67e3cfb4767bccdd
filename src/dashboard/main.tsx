/**
 * The dashboard: boots by asking `GET /session` who the browser is (a session cookie, or a server
 * with auth disabled), shows the login page otherwise, then the app shell (sidebar + view of the
 * current route). Role and tenant come from the session: buttons a role may not use are not drawn.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, handleUnauthorized, type SessionInfo, setCsrfToken } from './api.ts';
import { startLive, stopLive, useLive } from './live.ts';
import { navigate, useRoute } from './router.ts';
import { SessionContext } from './session.ts';
import './styles.css';
import { Toasts } from './ui.tsx';
import { DeadLettersView } from './views/dead-letters.tsx';
import { EventsView } from './views/events.tsx';
import { FailuresView } from './views/failures.tsx';
import { JobDetailView } from './views/job-detail.tsx';
import { JobsView } from './views/jobs.tsx';
import { LoginView } from './views/login.tsx';
import { OverviewView } from './views/overview.tsx';
import { QueuesView } from './views/queues.tsx';
import { SchedulesView } from './views/schedules.tsx';
import { TenantsView } from './views/tenants.tsx';
import { WorkersView } from './views/workers.tsx';

const NAV: { path: string; label: string; icon: string }[] = [
  { path: '/', label: 'Overview', icon: '◔' },
  { path: '/queues', label: 'Queues', icon: '☰' },
  { path: '/jobs', label: 'Jobs', icon: '▤' },
  { path: '/dead-letters', label: 'Dead letters', icon: '✕' },
  { path: '/failures', label: 'Failures', icon: '⚠' },
  { path: '/schedules', label: 'Schedules', icon: '◷' },
  { path: '/workers', label: 'Workers', icon: '⚙' },
  { path: '/tenants', label: 'Tenants', icon: '◫' },
  { path: '/events', label: 'Events', icon: '↯' },
];

function viewFor(path: string, search: URLSearchParams) {
  const job = /^\/jobs\/(\d+)$/.exec(path);
  if (job) return <JobDetailView id={job[1]!} />;
  switch (path) {
    case '/':
      return <OverviewView />;
    case '/queues':
      return <QueuesView />;
    case '/jobs':
      return <JobsView search={search} />;
    case '/dead-letters':
      return <DeadLettersView />;
    case '/failures':
      return <FailuresView />;
    case '/schedules':
      return <SchedulesView />;
    case '/workers':
      return <WorkersView />;
    case '/tenants':
      return <TenantsView />;
    case '/events':
      return <EventsView />;
    default:
      return (
        <div class="card">
          <h1>Not found</h1>
          <p>
            There is no page at <code>{path}</code>. <a href="./">Back to the overview</a>.
          </p>
        </div>
      );
  }
}

function Shell({ session, onLogout }: { session: SessionInfo; onLogout: () => void }) {
  const { path, search } = useRoute();
  const live = useLive();
  const section = path.startsWith('/jobs/') ? '/jobs' : path;
  return (
    <div class="shell">
      <aside class="sidebar">
        <div class="sidebar-inner">
          <div class="brand">
            <span class="brand-mark">▶</span> Conveyor
          </div>
          <nav>
            {NAV.map((item) => (
              <a
                key={item.path}
                href={`.${item.path === '/' ? '/' : item.path}`}
                class={section === item.path ? 'active' : ''}
                aria-current={section === item.path ? 'page' : undefined}
              >
                <span class="nav-icon">{item.icon}</span>
                {item.label}
              </a>
            ))}
          </nav>
          <div class="sidebar-foot">
            <div class="who" data-testid="who">
              <span class={`role role-${session.role}`}>{session.role}</span>
              <span class="tenant">{session.tenantId ? `tenant ${session.tenantId}` : 'all tenants'}</span>
            </div>
            <div class={`live ${live.connected ? 'live-on' : ''}`} data-testid="live">
              <span class="dot" /> {live.connected ? 'live' : 'connecting…'}
            </div>
            {session.csrfToken !== null && (
              <button type="button" class="btn btn-plain btn-small" onClick={onLogout}>
                Log out
              </button>
            )}
          </div>
        </div>
      </aside>
      <main class="content">{viewFor(path, search)}</main>
      <Toasts />
    </div>
  );
}

function App() {
  const [session, setSession] = useState<SessionInfo | null | 'unknown'>('unknown');
  const { path } = useRoute();

  useEffect(() => {
    handleUnauthorized(() => {
      setCsrfToken(null);
      stopLive();
      setSession(null);
    });
    api<SessionInfo>('GET', '/session').then(
      (info) => {
        setCsrfToken(info.csrfToken);
        setSession(info);
      },
      (error: unknown) => {
        if (!(error instanceof ApiError) || error.status !== 401) console.error(error);
        setSession(null);
      },
    );
  }, []);

  useEffect(() => {
    if (session !== null && session !== 'unknown') startLive();
  }, [session]);

  if (session === 'unknown') return <div class="boot">Loading…</div>;
  if (session === null || path === '/login') {
    return (
      <LoginView
        onLogin={(info) => {
          setCsrfToken(info.csrfToken);
          setSession(info);
          if (path === '/login') navigate('/', true);
        }}
      />
    );
  }
  const logout = async () => {
    await api('DELETE', '/session').catch(() => {});
    setCsrfToken(null);
    stopLive();
    setSession(null);
    navigate('/login');
  };
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} onLogout={logout} />
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
