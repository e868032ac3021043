// The console's location is the URL's hash ("#/policies/spam?v=2"), so every screen can be
// bookmarked and reloaded while the server serves a single page at /.
import { useEffect, useState } from "preact/hooks";

export interface Route {
  parts: string[]; // "#/policies/spam/edit" -> ["policies", "spam", "edit"]
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const at = raw.indexOf("?");
  const path = at < 0 ? raw : raw.slice(0, at);
  return {
    parts: path.split("/").filter((p) => p !== "").map(decodeURIComponent),
    query: new URLSearchParams(at < 0 ? "" : raw.slice(at + 1)),
  };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return parse(hash);
}

// "#/policies/spam" for ["policies", "spam"], with an optional query.
export function href(parts: string[], query?: Record<string, string | number>): string {
  const path = "#/" + parts.map(encodeURIComponent).join("/");
  if (!query) return path;
  const q = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return `${path}?${q}`;
}

export function navigate(parts: string[], query?: Record<string, string | number>): void {
  location.hash = href(parts, query);
}
