import pkg from "../../package.json" with { type: "json" };

export const appName: string = pkg.name;
export const appVersion: string = pkg.version;
