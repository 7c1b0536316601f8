// The signed-in user: a token kept in localStorage and checked with whoami-v2.
import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import { savedToken, saveToken, whoami, type WhoAmI } from './api.js';

export interface Session {
  token: string | null;
  user: WhoAmI | null;
  signIn(token: string): Promise<void>;
  signOut(): void;
}

export const SessionContext = createContext<Session>({ token: null, user: null, signIn: async () => undefined, signOut: () => undefined });

export function useSession() {
  return useContext(SessionContext);
}

export function useSessionState(): Session {
  const [token, setToken] = useState<string | null>(savedToken);
  const [user, setUser] = useState<WhoAmI | null>(null);

  useEffect(() => {
    if (!token) return;
    whoami(token).then(setUser, () => {
      // A revoked or expired token: forget it rather than fail every request.
      saveToken(null);
      setToken(null);
    });
  }, [token]);

  const signIn = useCallback(async (candidate: string) => {
    const checked = await whoami(candidate);
    saveToken(candidate);
    setUser(checked);
    setToken(candidate);
  }, []);
  const signOut = useCallback(() => {
    saveToken(null);
    setUser(null);
    setToken(null);
  }, []);
  return { token, user, signIn, signOut };
}
