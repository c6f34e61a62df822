import type { ComponentChildren } from "preact";
import { signOut, type User } from "../api/session";
import { humanize } from "../format";
import { BASE, hrefOf, linkClick, type Route } from "../router";

export const IMPORT_ROLES: readonly User["role"][] = ["admin", "analyst", "court_admin"];

function NavLink({
  href,
  current,
  children,
}: {
  href: string;
  current: boolean;
  children: ComponentChildren;
}) {
  return (
    <a href={href} onClick={linkClick} aria-current={current ? "page" : undefined}>
      {children}
    </a>
  );
}

export function Layout({
  user,
  route,
  keep,
  children,
}: {
  user: User;
  route: Route;
  /** Filter parameters the navigation keeps. */
  keep: Record<string, string | number | undefined>;
  children: ComponentChildren;
}) {
  return (
    <>
      <a class="skip" href="#main">
        Skip to the content
      </a>
      <header class="top">
        <a class="brand" href={BASE} onClick={linkClick}>
          CourtFlow
        </a>
        <nav aria-label="Pages">
          <NavLink href={hrefOf("", keep)} current={route.page === "overview"}>
            Overview
          </NavLink>
          <NavLink href={hrefOf("/cases", keep)} current={route.page === "cases" || route.page === "case"}>
            Cases
          </NavLink>
          {IMPORT_ROLES.includes(user.role) && (
            <NavLink href={hrefOf("/imports")} current={route.page === "imports"}>
              Imports
            </NavLink>
          )}
          {user.role === "admin" && (
            <NavLink href={hrefOf("/operations")} current={route.page === "operations"}>
              Operations
            </NavLink>
          )}
        </nav>
        <div class="who">
          <span data-testid="user">
            {user.name} ({humanize(user.role)})
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
