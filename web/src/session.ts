/**
 * The signed-in session lives in this module's memory only: not in localStorage, sessionStorage,
 * cookies or the URL, where another script or a shared link could lift it. A reload signs out.
 */
export interface Session {
  practiceId: string;
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

let current: Session | undefined;

export const session = (): Session | undefined => current;
export const setSession = (next: Session | undefined) => {
  current = next;
};

/** The `exp` and practice claim of a JWT (read, not verified: the API verifies it). */
export const readJwt = (token: string): { practiceId?: string; expiresAt?: number } => {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    return {
      practiceId: typeof payload['custom:practiceId'] === 'string' ? payload['custom:practiceId'] : undefined,
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    };
  } catch {
    return {};
  }
};
