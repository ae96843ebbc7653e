/**
 * The HTML stats page of HAProxy 2.6 (reference §8), rendered from the same
 * stat rows as `show stat` (fields.ts) and the same process values as
 * `show info` (info.ts): one table per proxy with HAProxy's column groups,
 * row classes (state colours), tooltips, legend and display options, and the
 * admin form when `stats admin` allows it. The layout was compared with the
 * page the 2.6.12 binary serves (test/stats/fixtures).
 *
 * Pure functions of the rows and options: no socket in sight (stats/service.ts
 * answers the requests).
 */
import { F, serverStatus, type ProxyView, type StatRow, type StatValue } from './fields.js';
import { STATS_CSS } from './html-assets.js';
import { uptimeText } from './info.js';

/** What the page shows besides the rows. */
export interface PageInfo {
  readonly pid: number;
  readonly nbthread: number;
  readonly uptimeSec: number;
  readonly ulimitN: number;
  readonly maxsock: number;
  readonly maxconn: number;
  readonly currConns: number;
  readonly connRate: number;
  /** bytes per second out */
  readonly bytesOutRate: number;
  readonly runQueue: number;
  readonly tasks: number;
  readonly idlePct: number;
  /** `HAProxy version X, released Y`, or undefined with `stats hide-version` */
  readonly version?: string;
  /** `stats show-node`: the node name */
  readonly node?: string;
  /** `stats show-desc`: the description */
  readonly desc?: string;
}

/** Display options from the request (`;up`, `;norefresh`, scope) and the configuration. */
export interface PageOpts {
  /** `stats uri` prefix */
  readonly uri: string;
  /** `stats refresh` seconds (0 = none) */
  readonly refresh: number;
  readonly noRefresh: boolean;
  readonly hideDown: boolean;
  /** the scope typed in the form ('' = none) */
  readonly scope: string;
  readonly admin: boolean;
  readonly legends: boolean;
  /** `;st=XXX` after an admin action */
  readonly status?: string;
}

/** One proxy and its rows (FRONTEND, listeners, servers, BACKEND, in that order). */
export interface PageProxy {
  readonly view: ProxyView;
  readonly rows: readonly StatRow[];
}

const v = (r: StatRow, name: string): StatValue => r.values[F[name]!];
const n = (r: StatRow, name: string): number => {
  const x = v(r, name);
  return typeof x === 'number' ? x : 0;
};
const s = (r: StatRow, name: string): string => {
  const x = v(r, name);
  return x === undefined ? '' : String(x);
};

/** HTML-escape a text for element content and attribute values. */
export function esc(t: string): string {
  return t.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/**
 * HAProxy's digit grouping for the page: the digit before each group of
 * three is wrapped in `<span class="rls">` (letter-spacing makes the gap):
 * 9983 → `<span class="rls">9</span>983`.
 */
export function u2h(x: number | string | undefined): string {
  const t = String(x ?? 0);
  if (!/^\d+$/.test(t) || t.length < 4) return t;
  let out = '';
  for (let i = 0; i < t.length; i++) {
    const fromRight = t.length - 1 - i;
    out += fromRight > 0 && fromRight % 3 === 0 ? `<span class="rls">${t[i]}</span>` : t[i];
  }
  return out;
}

/** A limit: its value, or `alt` when it is unset or zero. */
function lim(x: StatValue, alt: string): string {
  return x === undefined || x === 0 || x === '' ? alt : u2h(x);
}

/**
 * Durations as HAProxy prints them on the page: at most two units,
 * `0s`, `45s`, `2m1s`, `1h5m`, `3d2h`; `?` when unknown (negative).
 */
export function humanTime(t: number | undefined): string {
  if (t === undefined || t < 0) return '?';
  let out = '';
  let cnt = 2;
  if (t >= 86400) { out += `${Math.floor(t / 86400)}d`; cnt--; }
  if (cnt && Math.floor((t % 86400) / 3600)) { out += `${Math.floor((t % 86400) / 3600)}h`; cnt--; }
  if (cnt && Math.floor((t % 3600) / 60)) { out += `${Math.floor((t % 3600) / 60)}m`; cnt--; }
  if ((cnt && t % 60) || t === 0) out += `${t % 60}s`;
  return out;
}

const pct = (a: number, b: number): number => (b ? Math.floor((100 * a) / b) : 0);

/** Row class of a server: HAProxy's mapping of status text to colours. */
export function serverClass(r: StatRow): string {
  const st = s(r, 'status');
  if (st.startsWith('MAINT')) return 'maintain';
  let style: string;
  if (st === 'DOWN' || st === 'DOWN (agent)') style = 'down';
  else if (st.startsWith('DOWN ')) style = 'going_up';
  else if (st === 'DRAIN') style = 'draining';
  else if (st.startsWith('NOLB ')) style = 'going_down';
  else if (st === 'NOLB') style = 'nolb';
  else if (st === 'no check') style = 'no_check';
  else if (v(r, 'chkfail') === undefined || n(r, 'check_health') === n(r, 'check_rise') + n(r, 'check_fall') - 1) {
    style = n(r, 'weight') ? 'up' : 'draining';
  } else style = 'going_down';
  return `${n(r, 'bck') ? 'backup' : 'active'}_${style}`;
}

const det = (rows: string): string => `<div class=tips><table class=det>${rows}</table></div>`;
const tr = (th: string, td: string, extra = ''): string => `<tr><th>${th}</th><td>${td}</td>${extra}</tr>`;

function timesTips(r: StatRow, http: boolean): string {
  let o = '<tr><th colspan=3>Max / Avg over last 1024 success. conn.</th></tr>';
  o += tr('- Queue time:', `${u2h(n(r, 'qtime_max'))} / ${u2h(n(r, 'qtime'))}`, '<td>ms</td>');
  o += tr('- Connect time:', `${u2h(n(r, 'ctime_max'))} / ${u2h(n(r, 'ctime'))}`, '<td>ms</td>');
  if (http) o += tr('- Responses time:', `${u2h(n(r, 'rtime_max'))} / ${u2h(n(r, 'rtime'))}`, '<td>ms</td>');
  o += tr('- Total time:', `${u2h(n(r, 'ttime_max'))} / ${u2h(n(r, 'ttime'))}`, '<td>ms</td>');
  return o;
}

function httpRespTips(r: StatRow, withPct: boolean, comp: boolean): string {
  const total = n(r, 'req_tot');
  const p = (x: number): string => (withPct ? `<td>(${pct(x, total)}%)</td>` : '');
  let o = '';
  o += tr('- HTTP 1xx responses:', u2h(n(r, 'hrsp_1xx')), p(n(r, 'hrsp_1xx')));
  o += tr('- HTTP 2xx responses:', u2h(n(r, 'hrsp_2xx')), p(n(r, 'hrsp_2xx')));
  if (comp) o += tr('&nbsp;&nbsp;Compressed 2xx:', u2h(n(r, 'comp_rsp')), `<td>(${pct(n(r, 'comp_rsp'), n(r, 'hrsp_2xx'))}%)</td>`);
  o += tr('- HTTP 3xx responses:', u2h(n(r, 'hrsp_3xx')), p(n(r, 'hrsp_3xx')));
  o += tr('- HTTP 4xx responses:', u2h(n(r, 'hrsp_4xx')), p(n(r, 'hrsp_4xx')));
  o += tr('- HTTP 5xx responses:', u2h(n(r, 'hrsp_5xx')), p(n(r, 'hrsp_5xx')));
  o += tr('- other responses:', u2h(n(r, 'hrsp_other')), p(n(r, 'hrsp_other')));
  return o;
}

function bytesOutTips(r: StatRow): string {
  const cin = n(r, 'comp_in'), cout = n(r, 'comp_out');
  return `${u2h(n(r, 'bout'))}${det(
    tr('Response bytes in:', u2h(n(r, 'bout'))) + tr('Compression in:', u2h(cin)) +
    tr('Compression out:', u2h(cout), `<td>(${pct(cout, cin)}%)</td>`) + tr('Compression bypass:', u2h(n(r, 'comp_byp'))) +
    tr('Total bytes saved:', u2h(cin - cout), `<td>(${pct(cin - cout, n(r, 'bout'))}%)</td>`),
  )}`;
}

function frontendRowHtml(r: StatRow, px: string, o: PageOpts): string {
  const http = s(r, 'mode') === 'http';
  let out = `<tr class="frontend">${o.admin ? '<td></td>' : ''}<td class=ac><a name="${esc(px)}/Frontend"></a><a class=lfsb href="#${esc(px)}/Frontend">Frontend</a></td><td colspan=3></td>`;
  let cur = tr('Current connection rate:', `${u2h(n(r, 'conn_rate'))}/s`) + tr('Current session rate:', `${u2h(n(r, 'rate'))}/s`);
  if (http) cur += tr('Current request rate:', `${u2h(n(r, 'req_rate'))}/s`);
  let max = tr('Max connection rate:', `${u2h(n(r, 'conn_rate_max'))}/s`) + tr('Max session rate:', `${u2h(n(r, 'rate_max'))}/s`);
  if (http) max += tr('Max request rate:', `${u2h(n(r, 'req_rate_max'))}/s`);
  out += `<td><u>${u2h(n(r, 'rate'))}${det(cur)}</u></td><td><u>${u2h(n(r, 'rate_max'))}${det(max)}</u></td><td>${lim(v(r, 'rate_lim'), '-')}</td>`;
  let tot = tr('Cum. connections:', u2h(n(r, 'conn_tot'))) + tr('Cum. sessions:', u2h(n(r, 'stot')));
  if (http) {
    tot += tr('Cum. HTTP requests:', u2h(n(r, 'req_tot'))) + httpRespTips(r, false, true) +
      tr('Intercepted requests:', u2h(n(r, 'intercepted'))) + tr('Cache lookups:', u2h(n(r, 'cache_lookups'))) +
      tr('Cache hits:', u2h(n(r, 'cache_hits')), `<td>(${pct(n(r, 'cache_hits'), n(r, 'cache_lookups'))}%)</td>`) +
      tr('Failed hdr rewrites:', u2h(n(r, 'wrew'))) + tr('Internal errors:', u2h(n(r, 'eint')));
  }
  out += `<td>${u2h(n(r, 'scur'))}</td><td>${u2h(n(r, 'smax'))}</td><td>${u2h(n(r, 'slim'))}</td><td><u>${u2h(n(r, 'stot'))}${det(tot)}</u></td><td></td><td></td>`;
  out += `<td>${u2h(n(r, 'bin'))}</td><td>${bytesOutTips(r)}</td>`;
  out += `<td>${u2h(n(r, 'dreq'))}</td><td>${u2h(n(r, 'dresp'))}</td><td>${u2h(n(r, 'ereq'))}</td><td></td><td></td><td></td><td></td>`;
  out += `<td class=ac>${esc(s(r, 'status'))}</td><td class=ac colspan=8></td></tr>`;
  return out;
}

function listenerRowHtml(r: StatRow, px: string, o: PageOpts): string {
  const name = esc(s(r, 'svname'));
  const link = `<a class=lfsb href="#${esc(px)}/+${name}">${name}</a>`;
  const addr = s(r, 'addr');
  const label = o.legends && addr ? `<u>${link}<div class=tips>${addr.startsWith('[') ? 'IPv6' : addr.startsWith('unix@') ? 'unix' : 'IPv4'}: ${esc(addr)}</div></u>` : link;
  return `<tr class=socket>${o.admin ? '<td></td>' : ''}<td class=ac><a name="${esc(px)}/+${name}"></a>${label}</td>` +
    `<td colspan=3></td><td colspan=3>&nbsp;</td><td>${u2h(n(r, 'scur'))}</td><td>${u2h(n(r, 'smax'))}</td><td>${u2h(n(r, 'slim'))}</td>` +
    `<td>${u2h(n(r, 'stot'))}</td><td>&nbsp;</td><td>&nbsp;</td><td>${u2h(n(r, 'bin'))}</td><td>${u2h(n(r, 'bout'))}</td>` +
    `<td>${u2h(n(r, 'dreq'))}</td><td>${u2h(n(r, 'dresp'))}</td><td>${u2h(n(r, 'ereq'))}</td><td></td><td></td><td></td><td></td>` +
    `<td class=ac>${esc(s(r, 'status'))}</td><td class=ac colspan=8></td></tr>`;
}

function serverRowHtml(r: StatRow, px: string, o: PageOpts): string {
  const http = s(r, 'mode') === 'http';
  const name = esc(s(r, 'svname'));
  let out = `<tr class="${serverClass(r)}">`;
  if (o.admin) out += `<td><input class='${esc(px)}-checkbox' type="checkbox" name="s" value="${name}"></td>`;
  const link = `<a class=lfsb href="#${esc(px)}/${name}">${name}</a>`;
  let label = link;
  if (o.legends) {
    const addr = s(r, 'addr');
    const fam = addr.startsWith('[') ? 'IPv6' : addr.startsWith('unix@') ? 'unix' : 'IPv4';
    let tips = addr ? `${fam}: ${esc(addr)}, ` : '';
    tips += `id: ${n(r, 'sid')}`;
    if (v(r, 'cookie') !== undefined) tips += `, cookie: '${esc(s(r, 'cookie'))}'`;
    if (v(r, 'tracked') !== undefined) tips += `, tracked: ${esc(s(r, 'tracked'))}`;
    label = `<u>${link}<div class=tips>${tips}</div></u>`;
  }
  out += `<td class=ac><a name="${esc(px)}/${name}"></a>${label}</td>`;
  out += `<td>${u2h(n(r, 'qcur'))}</td><td>${u2h(n(r, 'qmax'))}</td><td>${lim(v(r, 'qlimit'), '-')}</td>`;
  out += `<td>${u2h(n(r, 'rate'))}</td><td>${u2h(n(r, 'rate_max'))}</td><td></td>`;
  const conn = tr('Current active connections:', u2h(n(r, 'scur'))) + tr('Current used connections:', u2h(n(r, 'used_conn_cur'))) +
    tr('Current idle connections:', u2h(n(r, 'srv_icur'))) + tr('- unsafe:', u2h(n(r, 'idle_conn_cur'))) +
    tr('- safe:', u2h(n(r, 'safe_conn_cur'))) + tr('Estimated need of connections:', u2h(n(r, 'need_conn_est'))) +
    tr('Active connections limit:', lim(v(r, 'slim'), '-')) + tr('Idle connections limit:', lim(v(r, 'src_ilim'), '-'));
  out += `<td><u>${u2h(n(r, 'scur'))}${det(conn)}</u></td><td>${u2h(n(r, 'smax'))}</td><td>${lim(v(r, 'slim'), '-')}</td>`;
  let tot = tr('Cum. sessions:', u2h(n(r, 'stot')));
  if (http) {
    tot += tr('New connections:', u2h(n(r, 'connect'))) +
      tr('Reused connections:', u2h(n(r, 'reuse')), `<td>(${pct(n(r, 'reuse'), n(r, 'connect'))}%)</td>`) +
      tr('Cum. HTTP requests:', u2h(n(r, 'req_tot'))) + httpRespTips(r, true, false) +
      tr('Failed hdr rewrites:', u2h(n(r, 'wrew'))) + tr('Internal error:', u2h(n(r, 'eint')));
  }
  tot += timesTips(r, http);
  out += `<td><u>${u2h(n(r, 'stot'))}${det(tot)}</u></td><td>${u2h(n(r, 'lbtot'))}</td><td>${humanTime(v(r, 'lastsess') as number | undefined)}</td>`;
  out += `<td>${u2h(n(r, 'bin'))}</td><td>${u2h(n(r, 'bout'))}</td><td></td><td>${u2h(n(r, 'dresp'))}</td>`;
  out += `<td></td><td>${u2h(n(r, 'econ'))}</td><td><u>${u2h(n(r, 'eresp'))}<div class=tips>Connection resets during transfers: ${u2h(n(r, 'cli_abrt'))} client, ${u2h(n(r, 'srv_abrt'))} server</div></u></td>`;
  out += `<td>${u2h(n(r, 'wretr'))}</td><td>${u2h(n(r, 'wredis'))}</td>`;
  const st = s(r, 'status');
  // a server without checks shows `no check`; forced out of UP, its state with a down arrow
  if (st === 'no check') out += '<td class=ac><i>no check</i></td>';
  else if (st.startsWith('MAINT')) out += `<td class=ac>${humanTime(n(r, 'lastchg'))} MAINT</td>`;
  else if (v(r, 'check_status') === undefined && !st.startsWith('MAINT')) out += `<td class=ac>${humanTime(n(r, 'lastchg'))} ${esc(st)} &darr;</td>`;
  else out += `<td class=ac>${humanTime(n(r, 'lastchg'))} ${esc(st)}</td>`;
  const chk = s(r, 'check_status');
  if (chk) {
    const code = v(r, 'check_code');
    const dur = v(r, 'check_duration');
    const shown = `${esc(chk)}${code !== undefined && code !== 0 ? `/${code}` : ''}${dur !== undefined ? ` in ${dur}ms` : ''}`;
    const detail = s(r, 'last_chk');
    out += `<td class=ac><u> ${shown}<div class=tips>${esc(s(r, 'check_desc'))}${detail ? `: ${esc(detail)}` : ''}</div></u></td>`;
  } else out += '<td></td>';
  out += `<td class=ac>${n(r, 'weight')}/${n(r, 'uweight')}</td><td class=ac>${n(r, 'bck') ? '-' : 'Y'}</td><td class=ac>${n(r, 'bck') ? 'Y' : '-'}</td>`;
  const tracked = s(r, 'tracked');
  if (tracked) {
    // a tracking server shows whom it follows instead of its check counters
    const ref = tracked.includes('/') ? tracked : `${px}/${tracked}`;
    out += `<td class=ac colspan=3><a class=lfsb href="#${esc(ref)}">via ${esc(ref)}</a></td>`;
  } else if (v(r, 'chkfail') !== undefined) {
    out += `<td><u>${u2h(n(r, 'chkfail'))}<div class=tips>Failed Health Checks</div></u></td><td>${u2h(n(r, 'chkdown'))}</td><td>${humanTime(n(r, 'downtime'))}</td>`;
  } else out += '<td colspan=3></td>';
  const thr = v(r, 'throttle');
  out += `<td class=ac>${thr === undefined ? '-' : `${thr} %`}</td></tr>\n`;
  return out;
}

function backendRowHtml(r: StatRow, px: string, o: PageOpts): string {
  const http = s(r, 'mode') === 'http';
  let out = `<tr class="backend">${o.admin ? '<td></td>' : ''}<td class=ac>`;
  const anchor = `<a name="${esc(px)}/Backend"></a><a class=lfsb href="#${esc(px)}/Backend">Backend</a>`;
  out += o.legends ? `<u>${anchor}<div class=tips>balancing: ${esc(s(r, 'algo'))}</div></u></td>` : `${anchor}</td>`;
  out += `<td>${u2h(n(r, 'qcur'))}</td><td>${u2h(n(r, 'qmax'))}</td><td></td>`;
  out += `<td>${u2h(n(r, 'rate'))}</td><td>${u2h(n(r, 'rate_max'))}</td><td></td>`;
  out += `<td>${u2h(n(r, 'scur'))}</td><td>${u2h(n(r, 'smax'))}</td><td>${u2h(n(r, 'slim'))}</td>`;
  let tot = tr('Cum. sessions:', u2h(n(r, 'stot')));
  if (http) {
    tot += tr('New connections:', u2h(n(r, 'connect'))) +
      tr('Reused connections:', u2h(n(r, 'reuse')), `<td>(${pct(n(r, 'reuse'), n(r, 'connect'))}%)</td>`) +
      tr('Cum. HTTP requests:', u2h(n(r, 'req_tot'))) + httpRespTips(r, false, true) +
      tr('Cache lookups:', u2h(n(r, 'cache_lookups'))) +
      tr('Cache hits:', u2h(n(r, 'cache_hits')), `<td>(${pct(n(r, 'cache_hits'), n(r, 'cache_lookups'))}%)</td>`) +
      tr('Failed hdr rewrites:', u2h(n(r, 'wrew'))) + tr('Internal errors:', u2h(n(r, 'eint')));
  }
  tot += timesTips(r, http);
  out += `<td><u>${u2h(n(r, 'stot'))}${det(tot)}</u></td><td>${u2h(n(r, 'lbtot'))}</td><td>${humanTime(v(r, 'lastsess') as number | undefined)}</td>`;
  out += `<td>${u2h(n(r, 'bin'))}</td><td>${bytesOutTips(r)}</td>`;
  out += `<td>${u2h(n(r, 'dreq'))}</td><td>${u2h(n(r, 'dresp'))}</td>`;
  out += `<td></td><td>${u2h(n(r, 'econ'))}</td><td><u>${u2h(n(r, 'eresp'))}<div class=tips>Connection resets during transfers: ${u2h(n(r, 'cli_abrt'))} client, ${u2h(n(r, 'srv_abrt'))} server</div></u></td>`;
  out += `<td>${u2h(n(r, 'wretr'))}</td><td>${u2h(n(r, 'wredis'))}</td>`;
  out += `<td class=ac>${humanTime(n(r, 'lastchg'))} ${esc(s(r, 'status'))}</td><td class=ac>&nbsp;</td>`;
  out += `<td class=ac>${n(r, 'weight')}/${n(r, 'uweight')}</td><td class=ac>${n(r, 'act')}</td><td class=ac>${n(r, 'bck')}</td>`;
  const down = v(r, 'downtime');
  out += `<td class=ac>&nbsp;</td><td>${u2h(n(r, 'chkdown'))}</td><td>${down === undefined ? '&nbsp;' : humanTime(down as number)}</td><td></td></tr>`;
  return out;
}

const HEAD_GROUPS = '<th colspan=3>Queue</th><th colspan=3>Session rate</th><th colspan=6>Sessions</th><th colspan=2>Bytes</th>' +
  '<th colspan=2>Denied</th><th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n';
const HEAD_COLS = '<tr class="titre"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th>' +
  '<th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th><th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th>' +
  '<th>Conn</th><th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th>' +
  '<th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th>\n</tr>';

const ADMIN_SELECT = 'Choose the action to perform on the checked servers : <select name=action><option value=""></option>' +
  '<option value="ready">Set state to READY</option><option value="drain">Set state to DRAIN</option>' +
  '<option value="maint">Set state to MAINT</option><option value="dhlth">Health: disable checks</option>' +
  '<option value="ehlth">Health: enable checks</option><option value="hrunn">Health: force UP</option>' +
  '<option value="hnolb">Health: force NOLB</option><option value="hdown">Health: force DOWN</option>' +
  '<option value="dagent">Agent: disable checks</option><option value="eagent">Agent: enable checks</option>' +
  '<option value="arunn">Agent: force UP</option><option value="adown">Agent: force DOWN</option>' +
  '<option value="shutdown">Kill Sessions</option></select>';

function capLabel(pv: ProxyView): string {
  return pv.conf.kind === 'listen' ? 'proxy' : pv.conf.kind === 'frontend' ? 'frontend' : 'backend';
}

/** One proxy's tables (title, column groups, rows), with its admin form when allowed. */
export function proxyHtml(pp: PageProxy, o: PageOpts): string {
  const pv = pp.view;
  const px = esc(pv.conf.name);
  const form = o.admin && pv.be !== undefined && pv.be.servers.length > 0;
  let out = form ? '<form method="post">' : '';
  const title = `<a class=px href="#${px}">${px}</a>`;
  const titled = o.legends ? `<u>${title}<div class=tips>cap: ${capLabel(pv)}, mode: ${pv.conf.mode}, id: ${pv.conf.iid}</div></u>` : title;
  const desc = (pv.conf as { description?: string }).description;
  out += `<table class="tbl" width="100%">\n<tr class="titre"><th class="pxname" width="10%"><a name="${px}"></a>${titled}</th>` +
    (desc ? `<th class="desc" width="90%">${esc(desc)}</th></tr>\n</table>\n` : '<th class="empty" width="90%"></th></tr>\n</table>\n');
  out += '<table class="tbl" width="100%">\n<tr class="titre">';
  if (form) {
    out += `<th rowspan=2 width=1><input type="checkbox" onclick="for(c in document.getElementsByClassName('${px}-checkbox')) document.getElementsByClassName('${px}-checkbox').item(c).checked = this.checked"></th>`;
  } else if (o.admin) out += '<th rowspan=2></th>';
  out += `<th rowspan=2></th>${HEAD_GROUPS}${HEAD_COLS}`;
  for (const r of pp.rows) {
    if (r.type === 'F') out += frontendRowHtml(r, pv.conf.name, o);
    else if (r.type === 'L') out += listenerRowHtml(r, pv.conf.name, o);
    else if (r.type === 'S') out += serverRowHtml(r, pv.conf.name, o);
    else out += backendRowHtml(r, pv.conf.name, o);
  }
  out += '</table>';
  if (form) out += `${ADMIN_SELECT}<input type="hidden" name="b" value="#${pv.conf.iid}">&nbsp;<input type="submit" value="Apply"></form>`;
  return out + '<p>\n';
}

const LEGEND = '<table class="lgd"><tr>\n' +
  '<td class="active_up">&nbsp;</td><td class="noborder">active UP </td><td class="backup_up">&nbsp;</td><td class="noborder">backup UP </td></tr><tr>\n' +
  '<td class="active_going_down"></td><td class="noborder">active UP, going down </td><td class="backup_going_down"></td><td class="noborder">backup UP, going down </td></tr><tr>\n' +
  '<td class="active_going_up"></td><td class="noborder">active DOWN, going up </td><td class="backup_going_up"></td><td class="noborder">backup DOWN, going up </td></tr><tr>\n' +
  '<td class="active_down"></td><td class="noborder">active or backup DOWN &nbsp;</td><td class="active_no_check"></td><td class="noborder">not checked </td></tr><tr>\n' +
  '<td class="maintain"></td><td class="noborder" colspan="3">active or backup DOWN for maintenance (MAINT) &nbsp;</td></tr><tr>\n' +
  '<td class="active_draining"></td><td class="noborder" colspan="3">active or backup SOFT STOPPED for maintenance &nbsp;</td></tr></table>\n' +
  'Note: "NOLB"/"DRAIN" = UP with load-balancing disabled.';

/** The messages shown after an admin action (`;st=XXX`). */
const STATUS_MSG: Readonly<Record<string, [string, string]>> = {
  DONE: ['active_up', 'Action processed successfully.'],
  NONE: ['active_going_down', 'Nothing has changed.'],
  PART: ['active_going_down', 'Action partially processed.<br>Some server names are probably unknown or ambiguous (duplicated names in the backend).'],
  ERRP: ['active_down', 'Action not processed because of invalid parameters.<ul><li>The action is maybe unknown.</li><li>Invalid key parameter (empty or too long).</li><li>The backend name is probably unknown or ambiguous (duplicated names).</li><li>Some server names are probably unknown or ambiguous (duplicated names in the backend).</li></ul>'],
  EXCD: ['active_down', "<b>Action not processed : the buffer couldn't store all the data.<br>You should retry with less servers at a time.</b>"],
  DENY: ['active_down', '<b>Action denied.</b>'],
  IVAL: ['active_down', '<b>Invalid requests (unsupported method or chunked encoded request).</b>'],
};

function bitRate(bytesPerSec: number): string {
  const bps = bytesPerSec * 8;
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(3)} Gbps`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(3)} Mbps`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(3)} kbps`;
  return `${bps.toFixed(3)}  bps`;
}

/** The head of the page: title, process information, legend and display options. */
export function pageHead(info: PageInfo, o: PageOpts): string {
  const node = info.node !== undefined ? ` on ${esc(info.node)}` : '';
  const scopeTxt = o.scope ? `?scope=${esc(o.scope)}` : '';
  const up = o.hideDown ? ';up' : '';
  const nr = o.noRefresh ? ';norefresh' : '';
  const u = esc(o.uri);
  let out = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"\n"http://www.w3.org/TR/html4/loose.dtd">\n' +
    `<html><head><title>Statistics Report for HAProxy${node}</title>\n<link rel="icon" href="data:,">\n` +
    '<meta http-equiv="content-type" content="text/html; charset=iso-8859-1">\n' +
    `<style type="text/css"><!--\n${STATS_CSS}-->\n</style></head>\n`;
  out += `<body><h1><a href="http://www.haproxy.org/" style="text-decoration: none;">HAProxy${info.version !== undefined ? ` version ${esc(info.version)}` : ''}</a></h1>\n`;
  out += `<h2>Statistics Report for pid ${info.pid}${node}${info.desc !== undefined ? `: ${esc(info.desc)}` : ''}</h2>\n`;
  out += '<hr width="100%" class="hr">\n<h3>&gt; General process information</h3>\n';
  out += '<table border=0><tr><td align="left" nowrap width="1%">\n';
  out += `<p><b>pid = </b> ${info.pid} (process #1, nbproc = 1, nbthread = ${info.nbthread})<br>\n`;
  out += `<b>uptime = </b> ${uptimeText(info.uptimeSec)}<br>\n`;
  out += `<b>system limits:</b> memmax = unlimited; ulimit-n = ${info.ulimitN}<br>\n`;
  out += `<b>maxsock = </b> ${info.maxsock}; <b>maxconn = </b> ${info.maxconn}; <b>maxpipes = </b> 0<br>\n`;
  out += `current conns = ${info.currConns}; current pipes = 0/0; conn rate = ${info.connRate}/sec; bit rate = ${bitRate(info.bytesOutRate)}<br>\n`;
  out += `Running tasks: ${info.runQueue}/${info.tasks}; idle = ${info.idlePct} %<br>\n`;
  out += '</td><td align="center" nowrap>\n' + LEGEND;
  out += '</td><td align="left" valign="top" nowrap width="1%"><b>Display option:</b><ul style="margin-top: 0.25em;">';
  out += `<li><form method="GET">Scope : <input value="${esc(o.scope)}" name="scope" size="8" maxlength="20" tabindex="1"/></form>\n`;
  out += o.hideDown
    ? `<li><a href="${u}${nr}${scopeTxt}">Show all servers</a><br>\n`
    : `<li><a href="${u};up${nr}${scopeTxt}">Hide 'DOWN' servers</a><br>\n`;
  if (o.refresh > 0) {
    out += o.noRefresh
      ? `<li><a href="${u}${up}${scopeTxt}">Enable refresh</a><br>\n`
      : `<li><a href="${u}${up};norefresh${scopeTxt}">Disable refresh</a><br>\n`;
  }
  out += `<li><a href="${u}${up}${nr}${scopeTxt}">Refresh now</a><br>\n`;
  out += `<li><a href="${u};csv${o.refresh > 0 ? ';norefresh' : ''}${scopeTxt}">CSV export</a><br>\n`;
  out += `<li><a href="${u};json${o.refresh > 0 ? ';norefresh' : ''}${scopeTxt}">JSON export</a> (<a href="${u};json-schema">schema</a>)<br>\n`;
  out += '</ul></td><td align="left" valign="top" nowrap width="1%"><b>External resources:</b><ul style="margin-top: 0.25em;">\n' +
    '<li><a href="http://www.haproxy.org/">Primary site</a><br>\n' +
    '<li><a href="http://www.haproxy.org/#down">Updates (v2.6)</a><br>\n' +
    '<li><a href="http://www.haproxy.org/#docs">Online manual</a><br>\n' +
    '</ul></td></tr></table>\n';
  if (o.status !== undefined) {
    const [cls, msg] = STATUS_MSG[o.status] ?? ['active_no_check', 'Unexpected result.'];
    out += `<p><div class=${cls}><a class=lfsb href="${u}${up}${nr}${scopeTxt}" title="Remove this message">[X]</a> ${msg}</div>\n<p>\n`;
  }
  return out;
}

/** The whole page. */
export function renderPage(info: PageInfo, proxies: readonly PageProxy[], o: PageOpts): string {
  let out = pageHead(info, o);
  for (const p of proxies) out += proxyHtml(p, o);
  return out + '</body></html>\n';
}

/** Server rows hidden by `;up`: servers that are not UP (or unchecked). */
export function serverShown(status: string): boolean {
  return /^(UP|no check|DRAIN|NOLB)/.test(status);
}

export { serverStatus };
