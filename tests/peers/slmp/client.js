// client.js - drives the npm package mcprotocol (an independent MC protocol
// client) against responder.py for mieruka's test captures.
// Usage: node client.js PORT FRAME(1E|3E) CODE(binary|ascii)
// One session: read D0-D4 and M10-M17 twice, write D100-D101, close.
'use strict';
const MC = require('mcprotocol');

const port = parseInt(process.argv[2], 10);
const frame = process.argv[3];
const ascii = process.argv[4] === 'ascii';
const tags = { WORDS: 'D0,5', BITS: 'M10,8', OUT: 'D100,2' };
const conn = new MC();

function fail(what) {
	console.error('client: ' + what);
	process.exit(1);
}

function finish(note) {
	console.log('client: ok ' + note);
	conn.dropConnection();
	setTimeout(() => process.exit(0), 300);
}

// mcprotocol 0.1.2 checks a write reply at the wrong offsets: for 1E it reads
// byte 9 of the 2-byte reply (a RangeError), for 3E it expects a 1E subheader
// and reports the write as bad.  Both replies are correct per the manuals, so
// the write is the session's last request and either outcome ends it.
process.on('uncaughtException', (e) => {
	if (e && e.code === 'ERR_OUT_OF_RANGE' && frame === '1E') finish('(1E write reply not parsed by mcprotocol)');
	else fail(String(e));
});
setTimeout(() => fail('timeout'), 15000).unref();
conn.initiateConnection({ port: port, host: '127.0.0.1', ascii: ascii, frame: frame }, (err) => {
	if (typeof err !== 'undefined') fail('connect: ' + err);
	conn.setTranslationCB((tag) => tags[tag]);
	conn.addItems(['WORDS', 'BITS']);
	conn.readAllItems((bad1, v1) => {
		if (bad1) fail('first read');
		conn.readAllItems((bad2) => {
			if (bad2) fail('second read');
			conn.writeItems('OUT', [1234, 5678], (bad3) => finish(JSON.stringify(v1) + (bad3 ? ' (write reported bad)' : '')));
		});
	});
});
