"use client";

import { useState, type ReactNode } from "react";
import { useLoginMutation } from "./hooks/mutations/use-login-mutation";
import { useAdminSessionQuery } from "./hooks/queries/use-admin-session-query";
import { Loading } from "./ui/states";

/**
 * Lets the console render only for a browser the admin API will answer: open consoles and signed-in sessions go
 * straight through; otherwise a password form (or, with only an admin token configured, how to get in).
 */
export function SignInGate({ children }: { children: ReactNode }) {
  const session = useAdminSessionQuery();
  if (session.isPending) return <Loading label="Checking access…" />;
  // Without a session endpoint to ask, let the pages try: their requests show any 401 they get.
  if (session.error || !session.data || session.data.authenticated) return <>{children}</>;
  return <SignInForm passwordLogin={session.data.passwordLogin} />;
}

function SignInForm({ passwordLogin }: { passwordLogin: boolean }) {
  const [password, setPassword] = useState("");
  const login = useLoginMutation();
  return (
    <section className="panel" style={{ maxWidth: 420, margin: "40px auto" }} aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">Sign in to Switchyard</h1>
      {passwordLogin ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            login.mutate(password);
          }}
        >
          <label>
            Admin password
            <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus required />
          </label>
          <div className="toolbar" style={{ marginTop: 10 }}>
            <button type="submit" className="primary" disabled={login.isPending || !password}>
              {login.isPending ? "Signing in…" : "Sign in"}
            </button>
          </div>
          {login.error ? (
            <p className="form-error" role="alert">
              {login.error.message}
            </p>
          ) : null}
        </form>
      ) : (
        <p>This console only accepts the admin token (an Authorization header), which a browser does not send. Set SWITCHYARD_ADMIN_PASSWORD to sign in here.</p>
      )}
    </section>
  );
}
