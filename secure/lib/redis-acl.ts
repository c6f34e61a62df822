// One Redis ACL user per kind of client, each limited to its key prefix and the commands it sends
// (including those its Lua scripts call: Redis checks those against the calling user too). These are
// the lines docs/security.md prints for operators; a test checks the document still carries them.
// `>password` is set by the caller.

export interface AclUser {
  /** The client role it serves: the environment variable that carries its URL. */
  variable: "REDIS_URL" | "SESSION_REDIS_URL" | "CACHE_REDIS_URL" | "QUEUE_REDIS_URL";
  user: string;
  /** Everything after the user name and password. */
  rules: string;
}

/** On every connection: ioredis's ready check (INFO), its connection name, the database, the health check. */
const CONNECTION = "+ping +info +select +client|setname";

export const ACL_USERS: AclUser[] = [
  {
    variable: "REDIS_URL",
    user: "courtflow-main",
    // Rate limits: one Lua script (INCR, PTTL, PEXPIRE) and UNLINK on reset; the per-user upload slots
    // (a sorted set in the same keyspace: ZREMRANGEBYSCORE, ZCARD, ZADD in a script, ZREM on release).
    rules:
      `resetkeys ~cf:rl:* resetchannels -@all ${CONNECTION} +evalsha +eval +incr +pttl +pexpire +unlink ` +
      "+zadd +zcard +zrem +zremrangebyscore",
  },
  {
    variable: "SESSION_REDIS_URL",
    user: "courtflow-session",
    rules:
      `resetkeys ~cf:sess:* resetchannels -@all ${CONNECTION} +evalsha +eval +multi +exec ` +
      "+type +hset +hget +hgetall +pexpire +pexpireat +del +unlink " +
      "+zadd +zrem +zrange +zrangebyscore +zremrangebyscore +zcount",
  },
  {
    variable: "CACHE_REDIS_URL",
    user: "courtflow-cache",
    rules:
      // Values, tag indexes and the per-namespace memory accounting (cache-budget.ts: a sorted set of
      // expiries, a hash of sizes and tags, a byte total, with the server's TIME inside its scripts).
      `resetkeys ~cf:cache:* ~cf:cache-tag:* ~cf:cache-budget:* resetchannels -@all ${CONNECTION} +evalsha +eval ` +
      "+get +set +exists +incrby +pexpire +pttl +persist +del +unlink +scan +sadd +smembers " +
      "+srem +hget +hset +hdel +zadd +zrem +zrange +zrangebyscore +zcard +time",
  },
  {
    variable: "QUEUE_REDIS_URL",
    user: "courtflow-queue",
    // BullMQ publishes no command list (its maintainers point to MONITOR); its data commands by
    // category, without @dangerous, then what it needs from there: INFO (version check), CLIENT
    // SETNAME/GETNAME (worker names) and CLIENT LIST (the queue board's worker count).
    rules:
      "resetkeys ~{courtflow}* resetchannels -@all +@read +@write +@keyspace +@scripting +@transaction " +
      "+@connection +@blocking -@dangerous +info +client|setname +client|getname +client|list",
  },
];

/** `ACL SETUSER <user> on ><password> <rules>` as arguments for a client's call(). */
export function aclSetUserArgs(u: AclUser, password: string): string[] {
  return ["ACL", "SETUSER", u.user, "on", `>${password}`, ...u.rules.split(" ")];
}
