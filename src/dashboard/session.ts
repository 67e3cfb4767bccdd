/** The logged-in session (role, tenant) for every view; buttons a role may not use are not drawn. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type Role, roleAllows, type SessionInfo } from './api.ts';

export const SessionContext = createContext<SessionInfo>({ role: 'viewer', tenantId: null, csrfToken: null });

export function useSession(): SessionInfo {
  return useContext(SessionContext);
}

/** Whether the session's role allows what `role` may do. */
export function useCan(role: Role): boolean {
  return roleAllows(useSession().role, role);
}
