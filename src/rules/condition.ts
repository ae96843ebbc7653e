/**
 * Rule conditions: `if|unless <term>...` → Condition (OR of ANDs).
 *
 * Grammar as HAProxy 2.6 accepts it: juxtaposed terms are AND-ed, `or` /
 * `||` (any case) separate OR groups, `!` (alone or glued, repeatable)
 * negates the next term, `{ fetch ... }` is an anonymous ACL (braces must be
 * separate words). Named ACLs must be defined earlier in the same proxy, or
 * be predefined. Empty groups are accepted and dropped, as HAProxy does.
 */
import type { Where } from '../config/diag.js';
import type { ProxyDraft } from '../config/model.js';
import { parseAcl, predefinedAcl, AclError } from './acl.js';
import { fetches, usageName } from './fetches.js';
import type { AclDef, CondTerm, Condition } from './model.js';

/** A condition error; `message` is HAProxy's inner text without final dot. */
export class CondParseError extends Error {}

export interface ParsedCond {
  cond: Condition;
  /** HAProxy's "will never match" warning, if any */
  warning?: string;
}

function useOf(def: AclDef): number {
  return fetches.get(def.expr.fetch)?.use ?? ~0;
}

/**
 * Parse `words` (starting with 'if' or 'unless') in proxy `px`.
 * `where` is the usage mask of the rule (see fetches.usageBit).
 */
export function parseCondition(words: readonly string[], px: ProxyDraft, at: Where, where: number, ruleSet?: string): ParsedCond {
  const inSet = ruleSet ? ` in '${ruleSet}'` : '';
  const pol = words[0] === 'unless' ? 'unless' : 'if';
  const groups: Array<{ and: CondTerm[] }> = [];
  let cur: CondTerm[] = [];
  let warning: string | undefined;
  const conflict = (msg: string): void => { warning ??= msg; };
  for (let i = 1; i < words.length; i++) {
    let w = words[i]!;
    const lw = w.toLowerCase();
    if (lw === 'or' || w === '||') {
      if (cur.length > 0) groups.push({ and: cur });
      cur = [];
      continue;
    }
    let neg = false;
    while (w.startsWith('!')) { neg = !neg; w = w.slice(1); }
    if (w === '') {
      if (i + 1 >= words.length) break;
      w = words[++i]!;
      while (w.startsWith('!')) { neg = !neg; w = w.slice(1); }
    }
    if (w === '{') {
      const end = words.indexOf('}', i + 1);
      if (end < 0) throw new CondParseError(`missing closing '}' in condition`);
      let anon;
      try {
        anon = parseAcl('', words.slice(i + 1, end), at);
      } catch (e) {
        if (e instanceof AclError) throw new CondParseError(e.message.replace(/\.$/, ''));
        throw e;
      }
      px.rules.argRefs.push(...anon.refs.map((r) => ({ ...r, where: at })));
      if ((anon.use & where) === 0) {
        conflict(`anonymous acl will never match${inSet} because it uses keyword '${anon.def.keyword}' which is incompatible with '${usageName(where)}'`);
      }
      cur.push({ anon: anon.def, neg });
      i = end;
      continue;
    }
    const defs = px.rules.acls.filter((a) => a.name === w);
    if (defs.length === 0 && px.rules.refusedAcls.includes(w)) {
      cur.push({ acl: w, neg });
      continue;
    }
    if (defs.length === 0) {
      const pre = predefinedAcl(w);
      if (!pre) throw new CondParseError(`no such ACL : '${w}'`);
      if ((pre.use & where) === 0) {
        conflict(`acl '${w}' will never match${inSet} because it only involves keywords that are incompatible with '${usageName(where)}'`);
      }
    } else {
      let use = 0;
      for (const d of defs) use |= useOf(d);
      if ((use & where) === 0) {
        conflict(`acl '${w}' will never match${inSet} because it only involves keywords that are incompatible with '${usageName(where)}'`);
      }
    }
    cur.push({ acl: w, neg });
  }
  if (cur.length > 0) groups.push({ and: cur });
  return { cond: { pol, or: groups }, ...(warning ? { warning } : {}) };
}

/** The definitions a predefined ACL name stands for (for the data plane). */
export function predefinedDefs(name: string): AclDef[] {
  const p = predefinedAcl(name);
  return p ? [p.def] : [];
}
