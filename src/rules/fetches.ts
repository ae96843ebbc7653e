/**
 * The sample fetch, ACL keyword and converter tables, as data. The names,
 * argument types, output types and usage points are those HAProxy 2.6
 * registers (dumped with `haproxy -dKsmp/-dKacl/-dKcnv`), so an expression
 * HAProxy accepts is accepted here and an unknown one gets its error.
 *
 * Fetch table format: per usage mask (22 columns, see USAGE_POINTS), tokens
 * `name(arg types)=output`, optional args in brackets.
 */

/** The usage points of HAProxy's sample fetches, in mask column order. */
export const USAGE_POINTS = [
  'frontend tcp-request connection rule', 'frontend tcp-request session rule', 'frontend tcp-request content rule',
  'frontend http-request header rule', 'frontend http-request body rule', 'frontend use-backend rule',
  'backend tcp-request content rule', 'backend http-request header rule', 'backend http-request body rule',
  'backend use-server, balance or stick-match rule', 'server source selection', 'backend tcp-response content rule',
  'backend http-response header rule', 'backend http-response body rule', 'backend stick-store rule',
  'frontend tcp-response content rule', 'frontend http-response header rule', 'frontend http-response body rule',
  'logs', 'backend tcp-check rule', 'configuration parser', 'CLI parser',
] as const;

const FETCHES: Record<string, string> = {
  'YYYYYYYYYYYYYYYYYYYYYY': `
    always_false=bool always_true=bool bin(string)=bin bool(string)=bool date([integer,string])=sint
    date_us=sint env(string)=str hostname=str int(integer)=sint ipv4(IPv4-address)=ipv4 ipv6(IPv6-address)=ipv6
    meth(string)=meth nbproc=sint proc=sint rand([integer])=sint str(string)=str thread=sint unique-id=str
    uuid([integer])=str var(string[,string])=any
  `,
  'YYYYYYYYYYYYYYYYYYYY.Y': `
    avg_queue(backend)=sint be_conn(backend)=sint be_conn_free(backend)=sint be_sess_rate(backend)=sint
    connslots(backend)=sint cpu_calls=sint cpu_ns_avg=sint cpu_ns_tot=sint fe_conn(frontend)=sint
    fe_req_rate(frontend)=sint fe_sess_rate(frontend)=sint internal.strm.is_htx=bool last_rule_file=str
    last_rule_line=sint lat_ns_avg=sint lat_ns_tot=sint nbsrv(backend)=sint prio_class=sint prio_offset=sint
    queue(backend)=sint sc0_bytes_in_rate([table])=sint sc0_bytes_out_rate([table])=sint
    sc0_clr_gpc0([table])=sint sc0_clr_gpc1([table])=sint sc0_conn_cnt([table])=sint sc0_conn_cur([table])=sint
    sc0_conn_rate([table])=sint sc0_get_gpc0([table])=sint sc0_get_gpc1([table])=sint
    sc0_get_gpt0([table])=sint sc0_gpc0_rate([table])=sint sc0_gpc1_rate([table])=sint
    sc0_http_err_cnt([table])=sint sc0_http_err_rate([table])=sint sc0_http_fail_cnt([table])=sint
    sc0_http_fail_rate([table])=sint sc0_http_req_cnt([table])=sint sc0_http_req_rate([table])=sint
    sc0_inc_gpc0([table])=sint sc0_inc_gpc1([table])=sint sc0_sess_cnt([table])=sint
    sc0_sess_rate([table])=sint sc0_tracked([table])=bool sc0_trackers([table])=sint
    sc1_bytes_in_rate([table])=sint sc1_bytes_out_rate([table])=sint sc1_clr_gpc(integer[,table])=sint
    sc1_clr_gpc0([table])=sint sc1_clr_gpc1([table])=sint sc1_conn_cnt([table])=sint sc1_conn_cur([table])=sint
    sc1_conn_rate([table])=sint sc1_get_gpc0([table])=sint sc1_get_gpc1([table])=sint
    sc1_get_gpt0([table])=sint sc1_gpc0_rate([table])=sint sc1_gpc1_rate([table])=sint
    sc1_http_err_cnt([table])=sint sc1_http_err_rate([table])=sint sc1_http_fail_cnt([table])=sint
    sc1_http_fail_rate([table])=sint sc1_http_req_cnt([table])=sint sc1_http_req_rate([table])=sint
    sc1_inc_gpc0([table])=sint sc1_inc_gpc1([table])=sint sc1_sess_cnt([table])=sint
    sc1_sess_rate([table])=sint sc1_tracked([table])=bool sc1_trackers([table])=sint
    sc2_bytes_in_rate([table])=sint sc2_bytes_out_rate([table])=sint sc2_clr_gpc0([table])=sint
    sc2_clr_gpc1([table])=sint sc2_conn_cnt([table])=sint sc2_conn_cur([table])=sint
    sc2_conn_rate([table])=sint sc2_get_gpc0([table])=sint sc2_get_gpc1([table])=sint
    sc2_get_gpt0([table])=sint sc2_gpc0_rate([table])=sint sc2_gpc1_rate([table])=sint
    sc2_http_err_cnt([table])=sint sc2_http_err_rate([table])=sint sc2_http_fail_cnt([table])=sint
    sc2_http_fail_rate([table])=sint sc2_http_req_cnt([table])=sint sc2_http_req_rate([table])=sint
    sc2_inc_gpc0([table])=sint sc2_inc_gpc1([table])=sint sc2_sess_cnt([table])=sint
    sc2_sess_rate([table])=sint sc2_tracked([table])=bool sc2_trackers([table])=sint
    sc_bytes_in_rate(integer[,table])=sint sc_bytes_out_rate(integer[,table])=sint
    sc_clr_gpc(integer,integer[,table])=sint sc_clr_gpc0(integer[,table])=sint
    sc_clr_gpc1(integer[,table])=sint sc_conn_cnt(integer[,table])=sint sc_conn_cur(integer[,table])=sint
    sc_conn_rate(integer[,table])=sint sc_get_gpc(integer,integer[,table])=sint
    sc_get_gpc0(integer[,table])=sint sc_get_gpc1(integer[,table])=sint
    sc_get_gpt(integer,integer[,table])=sint sc_get_gpt0(integer[,table])=sint
    sc_gpc0_rate(integer[,table])=sint sc_gpc1_rate(integer[,table])=sint
    sc_gpc_rate(integer,integer[,table])=sint sc_http_err_cnt(integer[,table])=sint
    sc_http_err_rate(integer[,table])=sint sc_http_fail_cnt(integer[,table])=sint
    sc_http_fail_rate(integer[,table])=sint sc_http_req_cnt(integer[,table])=sint
    sc_http_req_rate(integer[,table])=sint sc_inc_gpc(integer,integer[,table])=sint
    sc_inc_gpc0(integer[,table])=sint sc_inc_gpc1(integer[,table])=sint sc_sess_cnt(integer[,table])=sint
    sc_sess_rate(integer[,table])=sint sc_tracked(integer[,table])=bool sc_trackers(integer[,table])=sint
    srv_conn(server)=sint srv_conn_free(server)=sint srv_is_up(server)=bool srv_iweight(server)=sint
    srv_queue(server)=sint srv_sess_rate(server)=sint srv_uweight(server)=sint srv_weight(server)=sint
    stopping=bool table_avl(table)=sint table_cnt(table)=sint wait_end=bool
  `,
  '..YYYYYYYYY...........': `
    base=str base32=sint base32+src=bin baseq=str cook([string])=str cook_cnt([string])=sint
    cook_val([string])=sint fcgi.docroot=str fcgi.index=str hdr_cnt([string])=sint
    hdr_ip([string,integer])=ipv4 hdr_val([string,integer])=sint http_auth(user-list)=bool
    http_auth_bearer([string])=str http_auth_group(user-list)=str http_auth_pass=str http_auth_type=str
    http_auth_user=str path=str pathq=str query=str rdp_cookie([string])=str rdp_cookie_cnt([string])=sint
    req.body=bin req.body_len=sint req.body_param([string])=bin req.body_size=sint req.cook([string])=str
    req.cook_cnt([string])=sint req.cook_val([string])=sint req.fhdr([string,integer])=str
    req.fhdr_cnt([string])=sint req.hdr([string,integer])=str req.hdr_cnt([string])=sint
    req.hdr_ip([string,integer])=ipv4 req.hdr_names([string])=str req.hdr_val([string,integer])=sint
    req.hdrs=bin req.hdrs_bin=bin req.len=sint req.payload(integer,integer)=bin
    req.payload_lv(integer,integer[,string])=bin req.rdp_cookie([string])=str req.rdp_cookie_cnt([string])=sint
    req.ssl_alpn=str req.ssl_ec_ext=bool req.ssl_hello_type=sint req.ssl_sni=str req.ssl_st_ext=sint
    req.ssl_ver=sint req.ver=str req_len=sint req_ssl_hello_type=sint req_ssl_sni=str req_ssl_ver=sint
    req_ver=str url=str url32=sint url32+src=bin url_ip=ipv4 url_param([string,string])=str url_port=sint
    urlp([string,string])=str urlp_val([string,string])=sint
  `,
  '...........YYYYYYYYY..': `
    bc_dst=sint bc_dst_port=sint bc_err=sint bc_err_str=str bc_http_major=sint bc_src=sint bc_src_port=sint
    capture.res.hdr(integer)=str res.comp=bool res.comp_algo=str ssl_bc=bool ssl_bc_alg_keysize=sint
    ssl_bc_alpn=str ssl_bc_cipher=str ssl_bc_client_random=bin ssl_bc_err=sint ssl_bc_err_str=str
    ssl_bc_is_resumed=bool ssl_bc_npn=str ssl_bc_protocol=str ssl_bc_server_random=bin ssl_bc_session_id=bin
    ssl_bc_session_key=bin ssl_bc_unique_id=bin ssl_bc_use_keysize=sint status=sint
  `,
  '......YYYYYYYYYYYYYY..': `
    be_id=sint be_name=str be_server_timeout=sint be_tunnel_timeout=sint cur_server_timeout=sint
    cur_tunnel_timeout=sint
  `,
  '..YYYYYYYYYYYYYYYYY...': `
    capture.req.hdr(integer)=str capture.req.method=str capture.req.uri=str capture.req.ver=str
    capture.res.ver=str http_first_req=bool method=meth req.proto_http=bool req_proto_http=bool
  `,
  '..YYYYYYYYYYYYYYYY.Y..': `
    cookie([string])=str distcc_body(string[,integer])=bin distcc_param(string[,integer])=sint
    hdr([string,integer])=str internal.htx.data=sint internal.htx.free=sint internal.htx.free_data=sint
    internal.htx.has_eom=bool internal.htx.nbblks=sint internal.htx.size=sint internal.htx.used=sint
    internal.htx_blk.data(string)=bin internal.htx_blk.hdrname(string)=str internal.htx_blk.hdrval(string)=str
    internal.htx_blk.size(string)=sint internal.htx_blk.start_line(string)=str
    internal.htx_blk.type(string)=str payload(integer,integer)=bin payload_lv(integer,integer[,string])=bin
  `,
  'YYYYYYYYYYYYYYYYYYYY..': `
    dst=ipv4 dst_is_local=bool dst_port=sint fc_dst=ipv4 fc_dst_is_local=bool fc_dst_port=sint fc_err=sint
    fc_err_str=str fc_fackets([string])=sint fc_http_major=sint fc_lost([string])=sint fc_pp_authority=str
    fc_pp_unique_id=str fc_rcvd_proxy=bool fc_reordering([string])=sint fc_retrans([string])=sint
    fc_rtt([string])=sint fc_rttvar([string])=sint fc_sacked([string])=sint fc_src=ipv4 fc_src_is_local=bool
    fc_src_port=sint fc_unacked([string])=sint sc0_kbytes_in([table])=sint sc0_kbytes_out([table])=sint
    sc1_kbytes_in([table])=sint sc1_kbytes_out([table])=sint sc2_kbytes_in([table])=sint
    sc2_kbytes_out([table])=sint sc_kbytes_in(integer[,table])=sint sc_kbytes_out(integer[,table])=sint
    src=ipv4 src_bytes_in_rate(table)=sint src_bytes_out_rate(table)=sint src_clr_gpc(integer,table)=sint
    src_clr_gpc0(table)=sint src_clr_gpc1(table)=sint src_conn_cnt(table)=sint src_conn_cur(table)=sint
    src_conn_rate(table)=sint src_get_gpc(integer,table)=sint src_get_gpc0(table)=sint src_get_gpc1(table)=sint
    src_get_gpt(integer,table)=sint src_get_gpt0(table)=sint src_gpc0_rate(table)=sint
    src_gpc1_rate(table)=sint src_gpc_rate(integer,table)=sint src_http_err_cnt(table)=sint
    src_http_err_rate(table)=sint src_http_fail_cnt(table)=sint src_http_fail_rate(table)=sint
    src_http_req_cnt(table)=sint src_http_req_rate(table)=sint src_inc_gpc(integer,table)=sint
    src_inc_gpc0(table)=sint src_inc_gpc1(table)=sint src_is_local=bool src_kbytes_in(table)=sint
    src_kbytes_out(table)=sint src_port=sint src_sess_cnt(table)=sint src_sess_rate(table)=sint
    src_updt_conn_cnt(table)=sint
  `,
  'YYYYYYYYYYYYYYYYYYY...': `
    dst_conn=sint fe_client_timeout=sint fe_defbe=str fe_id=sint fe_name=str so_id=sint so_name=str
  `,
  '...........YYYYYYY.Y..': `
    rep_ssl_hello_type=sint res.body=bin res.body_len=sint res.body_size=sint res.cook([string])=str
    res.cook_cnt([string])=sint res.cook_val([string])=sint res.fhdr([string,integer])=str
    res.fhdr_cnt([string])=sint res.hdr([string,integer])=str res.hdr_cnt([string])=sint
    res.hdr_ip([string,integer])=ipv4 res.hdr_names([string])=str res.hdr_val([string,integer])=sint
    res.hdrs=bin res.hdrs_bin=bin res.len=sint res.payload(integer,integer)=bin
    res.payload_lv(integer,integer[,string])=bin res.ssl_hello_type=sint res.ver=str resp_ver=str
    scook([string])=str scook_cnt([string])=sint scook_val([string])=sint shdr([string,integer])=str
    shdr_cnt([string])=sint shdr_ip([string,integer])=ipv4 shdr_val([string,integer])=sint
  `,
  '..........YYYYYYYYYY..': `
    res.cache_hit=bool res.cache_name=str srv_id=sint srv_name=str
  `,
  '.YYYYYYYYYYYYYYYYYY...': `
    ssl_c_ca_err=sint ssl_c_ca_err_depth=sint ssl_c_chain_der=bin ssl_c_der=bin ssl_c_err=sint
    ssl_c_i_dn([string,integer,string])=str ssl_c_key_alg=str ssl_c_notafter=str ssl_c_notbefore=str
    ssl_c_s_dn([string,integer,string])=str ssl_c_serial=bin ssl_c_sha1=bin ssl_c_sig_alg=str ssl_c_used=bool
    ssl_c_verify=sint ssl_c_version=sint ssl_f_der=bin ssl_f_i_dn([string,integer,string])=str
    ssl_f_key_alg=str ssl_f_notafter=str ssl_f_notbefore=str ssl_f_s_dn([string,integer,string])=str
    ssl_f_serial=bin ssl_f_sha1=bin ssl_f_sig_alg=str ssl_f_version=sint ssl_fc=bool ssl_fc_alg_keysize=sint
    ssl_fc_alpn=str ssl_fc_cipher=str ssl_fc_cipherlist_bin([integer])=str ssl_fc_cipherlist_hex([integer])=bin
    ssl_fc_cipherlist_str([integer])=str ssl_fc_cipherlist_xxh=sint ssl_fc_client_early_traffic_secret=str
    ssl_fc_client_handshake_traffic_secret=str ssl_fc_client_random=bin ssl_fc_client_traffic_secret_0=str
    ssl_fc_early_exporter_secret=str ssl_fc_ecformats_bin=str ssl_fc_eclist_bin([integer])=str ssl_fc_err=sint
    ssl_fc_err_str=str ssl_fc_exporter_secret=str ssl_fc_extlist_bin([integer])=str ssl_fc_has_crt=bool
    ssl_fc_has_early=bool ssl_fc_has_sni=bool ssl_fc_is_resumed=bool ssl_fc_npn=str ssl_fc_protocol=str
    ssl_fc_protocol_hello_id=sint ssl_fc_server_handshake_traffic_secret=str ssl_fc_server_random=bin
    ssl_fc_server_traffic_secret_0=str ssl_fc_session_id=bin ssl_fc_session_key=bin ssl_fc_sni=str
    ssl_fc_unique_id=bin ssl_fc_use_keysize=sint ssl_s_chain_der=bin ssl_s_der=bin
    ssl_s_i_dn([string,integer,string])=str ssl_s_key_alg=str ssl_s_notafter=str ssl_s_notbefore=str
    ssl_s_s_dn([string,integer,string])=str ssl_s_serial=bin ssl_s_sha1=bin ssl_s_sig_alg=str
    ssl_s_version=sint
  `,
};

/** ACL keywords that are a fetch plus an implicit match method: `name=fetch:method`. */
const ACL_KEYWORDS = `
    base=base:str base_beg=base:beg base_dir=base:dir base_dom=base:dom base_end=base:end base_len=base:len
    base_reg=base:reg base_sub=base:sub cook=req.cook:str cook_beg=req.cook:beg cook_dir=req.cook:dir
    cook_dom=req.cook:dom cook_end=req.cook:end cook_len=req.cook:len cook_reg=req.cook:reg
    cook_sub=req.cook:sub hdr=req.hdr:str hdr_beg=req.hdr:beg hdr_dir=req.hdr:dir hdr_dom=req.hdr:dom
    hdr_end=req.hdr:end hdr_len=req.hdr:len hdr_reg=req.hdr:reg hdr_sub=req.hdr:sub
    http_auth_group=http_auth_group:str method=method:str path=path:str path_beg=path:beg path_dir=path:dir
    path_dom=path:dom path_end=path:end path_len=path:len path_reg=path:reg path_sub=path:sub
    payload=req.payload:bin payload_lv=req.payload_lv:bin req.ssl_ver=req.ssl_ver:int
    req_rdp_cookie=req.rdp_cookie:str req_rdp_cookie_cnt=req.rdp_cookie_cnt:int req_ssl_sni=req.ssl_sni:str
    req_ssl_ver=req.ssl_ver:int req_ver=req.ver:str resp_ver=res.ver:str scook=res.cook:str
    scook_beg=res.cook:beg scook_dir=res.cook:dir scook_dom=res.cook:dom scook_end=res.cook:end
    scook_len=res.cook:len scook_reg=res.cook:reg scook_sub=res.cook:sub shdr=res.hdr:str shdr_beg=res.hdr:beg
    shdr_dir=res.hdr:dir shdr_dom=res.hdr:dom shdr_end=res.hdr:end shdr_len=res.hdr:len shdr_reg=res.hdr:reg
    shdr_sub=res.hdr:sub ssl_fc_sni_end=ssl_fc_sni:end ssl_fc_sni_reg=ssl_fc_sni:reg url=url:str
    url_beg=url:beg url_dir=url:dir url_dom=url:dom url_end=url:end url_len=url:len url_reg=url:reg
    url_sub=url:sub urlp=urlp:str urlp_beg=urlp:beg urlp_dir=urlp:dir urlp_dom=urlp:dom urlp_end=urlp:end
    urlp_len=urlp:len urlp_reg=urlp:reg urlp_sub=urlp:sub
`;

/** Converters: `name(argument types)=output type<input type`. */
const CONVERTERS = `
    add(string)=sint<sint add_item(string,string[,string])=str<str
    aes_gcm_dec(integer,string,string,string)=bin<bin and(string)=sint<sint b64dec=bin<str base64=str<bin
    be2dec(string[,integer,integer])=str<bin be2hex(string[,integer,integer])=str<bin bool=bool<sint
    bytes(integer[,integer])=bin<bin capture-req(integer)=str<str capture-res(integer)=str<str
    concat(string[,string,string])=str<str cpl=sint<sint crc32([integer])=sint<bin crc32c([integer])=sint<bin
    cut_crlf=str<str debug([string,string])=any<any digest(string)=bin<bin div(string)=sint<sint
    djb2([integer])=sint<bin even=bool<sint field(integer,string[,integer])=str<str fix_is_valid=bool<bin
    fix_tag_value(string)=bin<bin hex=str<bin hex2i=sint<str hmac(string,string)=bin<bin host_only=str<str
    htonl=bin<sint http_date([integer,string])=str<sint iif(string,string)=str<bool in_table(table)=bool<any
    ipmask(IPv4-mask[,IPv6-mask])=ipv4<addr json(string)=str<str json_query(string[,string])=any<str
    jwt_header_query([string,string])=any<bin jwt_payload_query([string,string])=any<bin
    jwt_verify(string,string)=sint<bin language(string[,string])=str<str length=sint<str lower=str<str
    ltime(string[,integer])=str<sint ltrim(string)=str<str map(string[,string])=str<str
    map_beg(string[,string])=str<str map_beg_int(string[,integer])=sint<str
    map_beg_ip(string[,string])=addr<str map_dir(string[,string])=str<str
    map_dir_int(string[,integer])=sint<str map_dir_ip(string[,string])=addr<str
    map_dom(string[,string])=str<str map_dom_int(string[,integer])=sint<str
    map_dom_ip(string[,string])=addr<str map_end(string[,string])=str<str
    map_end_int(string[,integer])=sint<str map_end_ip(string[,string])=addr<str
    map_int(string[,string])=str<sint map_int_int(string[,integer])=sint<sint
    map_int_ip(string[,string])=addr<sint map_ip(string[,string])=str<addr
    map_ip_int(string[,integer])=sint<addr map_ip_ip(string[,string])=addr<addr
    map_reg(string[,string])=str<str map_reg_int(string[,integer])=sint<str
    map_reg_ip(string[,string])=addr<str map_regm(string[,string])=str<str map_str(string[,string])=str<str
    map_str_int(string[,integer])=sint<str map_str_ip(string[,string])=addr<str
    map_sub(string[,string])=str<str map_sub_int(string[,integer])=sint<str
    map_sub_ip(string[,string])=addr<str mod(string)=sint<sint mqtt_field_value(string,string)=str<bin
    mqtt_is_valid=bool<bin mul(string)=sint<sint nbsrv=sint<str neg=sint<sint not=bool<sint odd=bool<sint
    or(string)=sint<sint port_only=sint<str protobuf(Protocol-buffers-field-number[,string])=bin<bin
    regsub(regex,string[,string])=str<str rtrim(string)=str<str sdbm([integer])=sint<bin
    secure_memcmp(string)=bool<bin set-var(string[,string,string,string,string])=any<any sha1=bin<bin
    sha2([integer])=bin<bin srv_queue=sint<str strcmp(string)=sint<str sub(string)=sint<sint
    table_bytes_in_rate(table)=sint<any table_bytes_out_rate(table)=sint<any table_conn_cnt(table)=sint<any
    table_conn_cur(table)=sint<any table_conn_rate(table)=sint<any table_expire(table[,integer])=sint<any
    table_gpc(integer,table)=sint<any table_gpc0(table)=sint<any table_gpc0_rate(table)=sint<any
    table_gpc1(table)=sint<any table_gpc1_rate(table)=sint<any table_gpc_rate(integer,table)=sint<any
    table_gpt(integer,table)=sint<any table_gpt0(table)=sint<any table_http_err_cnt(table)=sint<any
    table_http_err_rate(table)=sint<any table_http_fail_cnt(table)=sint<any
    table_http_fail_rate(table)=sint<any table_http_req_cnt(table)=sint<any table_http_req_rate(table)=sint<any
    table_idle(table[,integer])=sint<any table_kbytes_in(table)=sint<any table_kbytes_out(table)=sint<any
    table_server_id(table)=sint<any table_sess_cnt(table)=sint<any table_sess_rate(table)=sint<any
    table_trackers(table)=sint<any ub64dec=bin<str ub64enc=str<bin
    ungrpc(Protocol-buffers-field-number[,string])=bin<bin unset-var(string)=any<any upper=str<str
    url_dec([integer])=str<str url_enc(string)=str<str utime(string[,integer])=str<sint
    word(integer,string[,integer])=str<str wt6([integer])=sint<bin xor(string)=sint<sint
    xxh3([integer])=sint<bin xxh32([integer])=sint<bin xxh64([integer])=sint<bin
`;

export type OutType = 'bool' | 'sint' | 'str' | 'bin' | 'ipv4' | 'ipv6' | 'meth' | 'any' | 'addr';

export interface ArgSpec {
  readonly types: readonly string[];
  /** number of mandatory arguments */
  readonly min: number;
}

export interface FetchInfo {
  readonly name: string;
  readonly args: ArgSpec;
  readonly out: OutType;
  /** bit i set = usable at USAGE_POINTS[i] */
  readonly use: number;
}

export interface AclKeyword {
  readonly fetch: string;
  readonly match: string;
}

/** "integer,string[,integer]" → types and mandatory count */
function parseArgSpec(spec: string | undefined): ArgSpec {
  if (spec === undefined) return { types: [], min: 0 };
  const open = spec.indexOf('[');
  const mandatory = open < 0 ? spec : spec.slice(0, open);
  const types = spec.replace(/[[\]]/g, '').split(',').filter((t) => t !== '');
  const min = mandatory.split(',').filter((t) => t !== '').length;
  return { types, min };
}

const TOKEN = /^([^(=]+)(?:\((.*)\))?(?:=([a-z0-9]+))?(?:<([a-z0-9]+))?$/;

function buildFetches(): Map<string, FetchInfo> {
  const out = new Map<string, FetchInfo>();
  for (const [mask, list] of Object.entries(FETCHES)) {
    let use = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i] === 'Y') use |= 1 << i;
    for (const tok of list.split(/\s+/)) {
      if (tok === '') continue;
      const m = TOKEN.exec(tok)!;
      out.set(m[1]!, { name: m[1]!, args: parseArgSpec(m[2]), out: m[3] as OutType, use });
    }
  }
  return out;
}

function buildAclKeywords(): Map<string, AclKeyword> {
  const out = new Map<string, AclKeyword>();
  for (const tok of ACL_KEYWORDS.split(/\s+/)) {
    if (tok === '') continue;
    const [name, rest] = tok.split('=') as [string, string];
    const [fetch, match] = rest.split(':') as [string, string];
    out.set(name, { fetch, match });
  }
  return out;
}

export interface ConverterInfo {
  readonly args: ArgSpec;
  readonly out: OutType;
  readonly in: OutType;
}

function buildConverters(): Map<string, ConverterInfo> {
  const out = new Map<string, ConverterInfo>();
  for (const tok of CONVERTERS.split(/\s+/)) {
    if (tok === '') continue;
    const m = TOKEN.exec(tok)!;
    out.set(m[1]!, { args: parseArgSpec(m[2]), out: m[3] as OutType, in: m[4] as OutType });
  }
  return out;
}

export const fetches: ReadonlyMap<string, FetchInfo> = buildFetches();
export const aclKeywords: ReadonlyMap<string, AclKeyword> = buildAclKeywords();
export const converters: ReadonlyMap<string, ConverterInfo> = buildConverters();

/**
 * HAProxy's sample cast table: can a value of type `from` be used where
 * `to` is expected (converter input, match method)?
 */
const CASTS: Record<OutType, readonly OutType[]> = {
  any: ['any', 'bool', 'sint', 'addr', 'ipv4', 'ipv6', 'str', 'bin', 'meth'],
  bool: ['any', 'bool', 'sint', 'str'],
  sint: ['any', 'bool', 'sint', 'addr', 'ipv4', 'ipv6', 'str', 'bin'],
  addr: ['any'],
  ipv4: ['any', 'sint', 'addr', 'ipv4', 'ipv6', 'str', 'bin'],
  ipv6: ['any', 'addr', 'ipv4', 'ipv6', 'str', 'bin'],
  str: ['any', 'bool', 'sint', 'addr', 'ipv4', 'ipv6', 'str', 'bin', 'meth'],
  bin: ['any', 'str', 'bin', 'meth'],
  meth: ['any', 'str', 'bin', 'meth'],
};

export function canCast(from: OutType, to: OutType): boolean {
  return CASTS[from].includes(to);
}

/** Bits of the usage points, by name, for rule contexts. */
export function usageBit(point: (typeof USAGE_POINTS)[number]): number {
  return 1 << USAGE_POINTS.indexOf(point);
}

/** Name of the lowest usage point set in `where`. */
export function usageName(where: number): string {
  for (let i = 0; i < USAGE_POINTS.length; i++) if (where & (1 << i)) return USAGE_POINTS[i]!;
  return '';
}

/**
 * Fetches that need stick tables (sc_*, scN_*, src_* counters, table_*):
 * lb has no stick tables yet, so configurations using them are refused.
 */
export function needsStickTable(name: string): boolean {
  if (name === 'in_table') return true;
  if (/^sc[0-9]?_/.test(name) || name.startsWith('table_')) return true;
  if (name.startsWith('src_') && name !== 'src_port' && name !== 'src_is_local') return true;
  return false;
}

/** The first fetch or converter of an expression that needs stick tables. */
export function stickTableUser(expr: { fetch: string; convs: ReadonlyArray<{ name: string }> }): string | undefined {
  if (needsStickTable(expr.fetch)) return `fetch '${expr.fetch}'`;
  const c = expr.convs.find((x) => needsStickTable(x.name));
  return c ? `converter '${c.name}'` : undefined;
}
