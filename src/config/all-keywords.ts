/**
 * Every module that registers keyword rows, imported once for its side
 * effect. A new concept with keywords adds one line here.
 */
import './global.js';
import './validate.js';
import './proxy.js';
import '../proxy/bind.js';
import '../backend/server.js';
