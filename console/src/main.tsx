// The console's shell: sign-in, then a sidebar of sections and the current screen. Sections
// appear as they are built (issue 18); each shows only what the signed-in role may do.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Activity } from "./activity";
import { ApiError, api, describe, storeKey, unauthorizedEvent } from "./api";
import { DecisionPage } from "./decision_page";
import { Decisions } from "./decisions";
import { Playground } from "./playground";
import { PolicyEditor } from "./policy_editor";
import { PolicyList } from "./policy_list";
import { PolicyPage } from "./policy_page";
import { reviewScreen, reviewSections } from "./review_routes";
import { href, useRoute } from "./route";
import { SignIn } from "./signin";
import { ErrorBox, Loading } from "./states";
import type { Me } from "./types";
import { can } from "./types";

const roleSays: Record<Me["role"], string> = {
  classify: "may read policies and check drafts",
  review: "may read policies, check drafts, search the decision log, review queued decisions and run versions",
  admin: "may do everything, policy edits included",
};

function Sidebar({ me, section, onSignOut }: { me: Me; section: string; onSignOut: () => void }) {
  return (
    <nav class="sidebar" aria-label="Sections">
      <p class="brand">
        arbiter <span>review console</span>
      </p>
      <ul>
        <li>
          <a href={href(["policies"])} aria-current={section === "policies" ? "page" : undefined}>
            Policies
          </a>
        </li>
        <li>
          <a href={href(["playground"])} aria-current={section === "playground" ? "page" : undefined}>
            Playground
          </a>
        </li>
        {can(me, "review") && (
          <li>
            <a href={href(["decisions"])} aria-current={section === "decisions" ? "page" : undefined}>
              Decisions
            </a>
          </li>
        )}
        {can(me, "admin") && (
          <li>
            <a href={href(["activity"])} aria-current={section === "activity" ? "page" : undefined}>
              Activity
            </a>
          </li>
        )}
        {reviewSections(me).map(([name, label]) => (
          <li key={name}>
            <a href={href([name])} aria-current={section === name ? "page" : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
      <div class="who">
        <p>
          <strong>{me.name}</strong> <span class={`role role-${me.role}`}>{me.role}</span>
        </p>
        <p class="help">
          {me.keys ? `This key ${roleSays[me.role]}.` : "This server has no API keys: anyone on this machine is admin."}
        </p>
        {me.keys && (
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </div>
    </nav>
  );
}

function Screen({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const route = useRoute();
  const [section, id, action] = route.parts;
  let screen;
  if (section === "policies" && id === "new" && can(me, "admin")) {
    screen = <PolicyEditor id={null} />;
  } else if (section === "policies" && id && action === "edit" && can(me, "admin")) {
    screen = <PolicyEditor id={id} />;
  } else if (section === "playground") {
    screen = <Playground query={route.query} />;
  } else if (section === "decisions" && can(me, "review")) {
    screen = id ? <DecisionPage id={id} /> : <Decisions query={route.query} />;
  } else if (section === "activity" && can(me, "admin")) {
    screen = <Activity query={route.query} />;
  } else if (section === "policies" && id && !action) {
    screen = <PolicyPage me={me} id={id} query={route.query} />;
  } else {
    screen = reviewScreen(me, route) ?? <PolicyList me={me} />;
  }
  return (
    <div class="shell">
      <Sidebar me={me} section={section ?? "policies"} onSignOut={onSignOut} />
      <main class="content" id="main">
        {screen}
      </main>
    </div>
  );
}

function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  // Who we are: the stored key if any, else no key (a server without keys lets that in).
  useEffect(() => {
    setChecking(true);
    setProblem(null);
    api<Me>("/v1/me").then(
      (m) => {
        setMe(m);
        setChecking(false);
      },
      (e) => {
        setChecking(false);
        if (e instanceof ApiError && e.status === 401) {
          storeKey(null);
          setMe(null);
        } else {
          setProblem(describe(e));
        }
      },
    );
  }, [attempt]);

  useEffect(() => {
    const refused = () => {
      storeKey(null);
      setMe(null);
      setNotice("The server no longer accepts your key. Sign in again.");
    };
    window.addEventListener(unauthorizedEvent, refused);
    return () => window.removeEventListener(unauthorizedEvent, refused);
  }, []);

  if (checking) {
    return (
      <main class="signin">
        <Loading what="the console" />
      </main>
    );
  }
  if (problem) {
    return (
      <main class="signin">
        <h1 class="visually-hidden">arbiter review console</h1>
        <ErrorBox message={problem} retry={() => setAttempt((n) => n + 1)} />
      </main>
    );
  }
  if (!me) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(m) => {
          setNotice(null);
          setMe(m);
        }}
      />
    );
  }
  const signOut = () => {
    storeKey(null);
    setMe(null);
    setNotice("Signed out.");
  };
  return <Screen me={me} onSignOut={signOut} />;
}

render(<App />, document.getElementById("app")!);
