/**
 * Every module that registers keyword rows or post-parse checks, imported
 * once for its side effect. A new concept with keywords adds one line here.
 */
import './global.js';
import './proxy.js';
import './validate.js';
import './sections-other.js';
import '../proxy/bind.js';
import '../backend/server.js';
import '../rules/keywords.js';
import '../checks/config.js';
import '../stats/config.js';
import '../log/config.js';
import '../log/keywords.js';
import '../checks/rules.js';
import './sections-misc.js';
import './http-errors.js';
