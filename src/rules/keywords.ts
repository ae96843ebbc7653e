/**
 * Keyword rows of the rules: acl, use_backend, use-server, redirect,
 * http-request, http-response, tcp-request, tcp-response.
 * (skeleton — filled by the rules work)
 */
import { register, type KeywordRow } from '../config/keywords.js';

const rows: KeywordRow[] = [];

register('proxy', rows);
