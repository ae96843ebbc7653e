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
  const pol = words[0] === 'unless' ? 'unless' : 'if';
  const groups: Array<{ and: CondTerm[] }> = [];
  let cur: CondTerm[] = [];
  /** every term with the definitions it stands for, for the context checks */
  const seen: Array<{ name: string; defs: AclDef[] }> = [];
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
      seen.push({ name: '', defs: [anon.def] });
      cur.push({ anon: anon.def, neg });
      i = end;
      continue;
    }
    const defs = px.rules.acls.filter((a) => a.name === w);
    if (defs.length === 0 && !px.rules.refusedAcls.includes(w)) {
      const pre = predefinedAcl(w);
      if (!pre) throw new CondParseError(`no such ACL : '${w}'`);
      defs.push(pre.def);
    }
    seen.push({ name: w, defs });
    cur.push({ acl: w, neg });
  }
  if (cur.length > 0) groups.push({ and: cur });
  const warning = contextWarning(seen, where, ruleSet);
  return { cond: { pol, or: groups }, ...(warning ? { warning } : {}) };
}

/**
 * HAProxy's checks of a condition's fetches against the rule's context:
 * first an ACL none of whose keywords fit ("will never match"), else an ACL
 * with one keyword that does not ("involves keyword(s)"). TCP rules word
 * them slightly differently (`ruleSet` given).
 */
function contextWarning(terms: ReadonlyArray<{ name: string; defs: AclDef[] }>, where: number, ruleSet?: string): string | undefined {
  const ctx = usageName(where);
  const inSet = ruleSet ? ` in '${ruleSet}'` : '';
  for (const t of terms) {
    if (t.defs.length === 0) continue;
    let use = 0;
    for (const d of t.defs) use |= useOf(d);
    if ((use & where) !== 0) continue;
    return t.name === ''
      ? `anonymous acl will never match${inSet} because it uses keyword '${t.defs[0]!.keyword}' which is incompatible with '${ctx}'`
      : `acl '${t.name}' will never match${inSet} because it only involves keywords that are incompatible with '${ctx}'`;
  }
  for (const t of terms) {
    const bad = t.defs.find((d) => (useOf(d) & where) === 0);
    if (!bad) continue;
    if (t.name === '') return `anonymous acl involves keyword '${bad.keyword}' which is incompatible with '${ctx}'`;
    return `acl '${t.name}' involves keyword${ruleSet ? '' : 's'} '${bad.keyword}' which is incompatible with '${ctx}'`;
  }
  return undefined;
}

/** The definitions a predefined ACL name stands for (for the data plane). */
export function predefinedDefs(name: string): AclDef[] {
  const p = predefinedAcl(name);
  return p ? [p.def] : [];
}
