// Pages of the signed-in user say so plainly when nobody is signed in, instead of failing with 401s.
import type { ReactNode } from 'react';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';

const TEXT = {
  zh: { signInFirst: '请先用右上角的“登录”输入访问令牌。' },
  en: { signInFirst: 'Sign in with an access token first (top right).' },
};

export function RequireSignIn({ children }: { children: ReactNode }) {
  const { language } = useI18n();
  const session = useSession();
  if (!session.token) {
    return (
      <p className="panel" role="status" data-testid="sign-in-first">
        {TEXT[language].signInFirst}
      </p>
    );
  }
  return <>{children}</>;
}
