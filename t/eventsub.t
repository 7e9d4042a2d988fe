# POST /eventsub through the real module: Twitch's messages signed with real
# HMAC-SHA256 under a secret sealed into PostgreSQL the way the worker seals
# it, checked and queued on the real Redis (no worker runs: what the module
# queues stays on streamvault:inbox to be read back). Refusals queue
# nothing; duplicates are dropped by message id and stream.online also by
# the Twitch stream id; PostgreSQL gone before a secret is known, or Redis
# gone, is 503 (Twitch retries), and 204 again once they are back. PUT /api/settings seals the Twitch secrets before PostgreSQL
# sees them: the stored values are sealed and open with the key derived in
# Perl from the stack's secret file.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP ();
use StreamVault::EventSub qw(seal open_sealed fixture signature signed_headers rfc3339 message_id);
use StreamVault::Test qw(stack_object run_cmd worker_bin wait_for alive http);

my $stack = stack_object(only => 'pg redis nginx');
$stack->start;
my $dir = $stack->dir;

# migrations and the first admin, without a worker left running
my $r = run_cmd([worker_bin(), '-c', $stack->worker_conf(log_file => 'stderr'),
                 '--create-admin', "$dir/initial-admin.txt"], timeout => 60);
is($r->{status}, 0, 'migrations apply, the admin is made') or BAIL_OUT("$r->{out}$r->{err}");

my $json = JSON::PP->new->utf8->canonical;
my $url = $stack->url . '/eventsub';
my $secret = 'e' x 32 . '0123456789abcdefghijklmnopqrstuv';   # 64 bytes, as the worker's

sub inbox { [ map { $json->decode($_) } grep { length } split /\n/, $stack->redis('LRANGE', 'streamvault:inbox', 0, -1) ] }
sub inbox_len { scalar @{ inbox() } }

# Sends $body signed with $key (the stored secret unless given); returns the response.
sub deliver {
    my ($body, %o) = @_;
    my ($h, $raw) = signed_headers($o{key} // $secret, $body, %o);
    $raw = $o{raw_after_signing} if defined $o{raw_after_signing};
    delete $h->{$_} for @{ $o{without} // [] };
    return http()->request('POST', $url, { headers => $h, content => $raw });
}

sub error_code { (eval { $json->decode($_[0]{content}) } // {})->{error}{code} // '' }

my $online = fixture('stream-online');

# --- no secret known yet ----------------------------------------------------------
my $pg_pid = $stack->pid('pg');
kill 'INT', $pg_pid;
ok(wait_for(sub { !alive($pg_pid) }, 20), 'PostgreSQL is stopped');
my $res = deliver($online);
is($res->{status}, 503, 'no secret known and PostgreSQL unavailable: 503');
ok(($res->{headers}{'retry-after'} // 0) >= 1, '... with Retry-After');
$stack->start_components('pg');
ok(wait_for(sub { ($res = deliver($online))->{status} == 403 }, 20), 'no EventSub secret stored yet: 403');
is(error_code($res), 'forbidden', '... a JSON error');

$stack->psql("INSERT INTO settings (key, value) VALUES ('twitch.eventsub_secret', to_jsonb('"
             . seal("$dir/secret", 'twitch.eventsub_secret', $secret) . "'::text))");

# none is asked for at most once a second: the stored one is seen soon after
ok(wait_for(sub { deliver(fixture('verification'), type => 'webhook_callback_verification')->{status} == 200 }, 15),
   'the stored secret is fetched and opened');

# --- verification -----------------------------------------------------------------
my $challenge = 'pogchamp-kappa-360noscope-vohiyo/+=' . 'x' x 100;
$res = deliver({ %{ fixture('verification') }, challenge => $challenge },
               type => 'webhook_callback_verification');
is($res->{status}, 200, 'verification: 200');
is($res->{content}, $challenge, '... the body is exactly the challenge');
like($res->{headers}{'content-type'}, qr{^text/plain\b}, '... as text/plain');
$res = deliver({ %{ fixture('verification') }, challenge => 'x' x 1025 }, type => 'webhook_callback_verification');
is($res->{status}, 400, 'a challenge over 1024 bytes: 400');
$res = deliver({ %{ fixture('verification') }, challenge => 42 }, type => 'webhook_callback_verification');
is($res->{status}, 400, 'a challenge that is no string: 400');

# --- refusals queue nothing -------------------------------------------------------
$res = deliver($online, key => 'another secret');
is($res->{status}, 403, 'a bad signature: 403');
my ($h, $raw) = signed_headers($secret, $online);
$res = http()->request('POST', $url, { headers => $h, content => $raw . ' ' });
is($res->{status}, 403, 'a body changed after signing: 403');
$h->{'Twitch-Eventsub-Message-Signature'} =~ s/sha256=(.)/'sha256=' . ($1 eq 'a' ? 'b' : 'a')/e;
$res = http()->request('POST', $url, { headers => $h, content => $raw });
is($res->{status}, 403, 'a signature with one digit changed: 403');
$res = deliver($online, timestamp => rfc3339(-660));
is($res->{status}, 403, 'a timestamp 11 minutes old: 403');
$res = deliver($online, timestamp => rfc3339(660));
is($res->{status}, 403, 'a timestamp 11 minutes ahead: 403');
is(deliver($online, timestamp => rfc3339(-540))->{status}, 204, 'a timestamp 9 minutes old is fine');
$stack->redis('DEL', 'streamvault:inbox', 'streamvault:eventsub:stream:9001');

my $big = { %$online, padding => 'p' x (60 * 1024 + 1) };
$res = deliver($big);
is($res->{status}, 413, 'a body over 60 KiB: 413');
is(error_code($res), 'too_large', '... a JSON error');
$res = deliver('{"subscription": ', type => 'notification');
is($res->{status}, 400, 'malformed JSON with a valid signature: 400');
is(error_code($res), 'bad_json', '... a JSON error');
is(deliver('[1, 2]')->{status}, 400, 'a JSON array: 400');
is(deliver('')->{status}, 400, 'no body: 400');
# chunked, so that nginx learns the size only while it reads
($h, $raw) = signed_headers($secret, $big);
my @chunks = unpack('(a8192)*', $raw);
$res = http()->request('POST', $url, { headers => $h, content => sub { shift @chunks } });
is($res->{status}, 413, 'a chunked body over 60 KiB: 413');
($h, $raw) = signed_headers($secret, fixture('stream-offline'));
@chunks = unpack('(a100)*', $raw);
$res = http()->request('POST', $url, { headers => $h, content => sub { shift @chunks } });
is($res->{status}, 204, 'a chunked body within 60 KiB: 204');
$stack->redis('DEL', 'streamvault:inbox');
for my $name (qw(Id Timestamp Signature Type)) {
    is(deliver($online, without => ["Twitch-Eventsub-Message-$name"])->{status}, 400,
       "no Twitch-Eventsub-Message-$name: 400");
}
for my $name (qw(Type Version)) {
    is(deliver($online, without => ["Twitch-Eventsub-Subscription-$name"])->{status}, 400,
       "no Twitch-Eventsub-Subscription-$name: 400");
}
is(deliver($online, id => 'a b')->{status}, 400, 'a message id with a space: 400');
is(deliver($online, id => 'x' x 129)->{status}, 400, 'a message id of 129 bytes: 400');
is(deliver($online, timestamp => '2026-11-21 10:00:00Z')->{status}, 400, 'a timestamp that is no RFC 3339: 400');
is(deliver($online, type => 'telepathy')->{status}, 400, 'an unknown message type: 400');
($h, $raw) = signed_headers($secret, $online);
$h->{'Twitch-Eventsub-Message-Signature'} = 'sha1=' . 'a' x 40;
is(http()->request('POST', $url, { headers => $h, content => $raw })->{status}, 400,
   'a signature that is no sha256=<hex>: 400');
$res = http()->request('GET', $url);
is($res->{status}, 405, 'GET: 405');
is($res->{headers}{allow}, 'POST', '... Allow: POST');
is(deliver({ %$online, event => { %{ $online->{event} }, id => 'a b' } })->{status}, 400,
   'stream.online with a malformed event.id: 400');
is(inbox_len(), 0, 'nothing was queued by any of them');

# --- notifications ----------------------------------------------------------------
my $id = '6F1C0C8E-4A57-4D4E-9B7E-2F0A6F9A1B11';
my $ts = rfc3339();
($h, $raw) = signed_headers($secret, $online, id => $id, timestamp => $ts);
$raw =~ s/^\{/{ /;    # kept verbatim, spaces and all
$h->{'Twitch-Eventsub-Message-Signature'} = 'sha256=' . signature($secret, $id, $ts, $raw);
$res = http()->request('POST', $url, { headers => $h, content => $raw });
is($res->{status}, 204, 'stream.online: 204');
is($res->{content} // '', '', '... no body');
my $items = inbox();
is(scalar @$items, 1, '... one item on the inbox');
my $raw_item = $stack->redis('LINDEX', 'streamvault:inbox', 0);
is_deeply([ sort keys %{ $items->[0] } ], [qw(id payload priority type v)], '... the job has the contract\'s fields');
is($items->[0]{v}, 1, '... v 1');
is($items->[0]{type}, 'eventsub', '... type eventsub');
is($items->[0]{priority}, 0, '... priority 0');
is($items->[0]{id}, lc $id, '... the message id, lowercased, is its id');
is_deeply($items->[0]{payload}, {
    message_type => 'notification', message_id => $id, message_timestamp => $ts,
    subscription_type => 'stream.online', subscription_version => '1',
    body => $json->decode($raw) }, '... the payload');
like($raw_item, qr/"body":\Q$raw\E\}\}\z/, '... the body verbatim');

$res = http()->request('POST', $url, { headers => $h, content => $raw });
is($res->{status}, 204, 'the same message again: 204');
is(inbox_len(), 1, '... and no second item');
is(deliver($online)->{status}, 204, 'the same stream with a new message id: 204');
is(inbox_len(), 1, '... and no second item');
is(deliver(fixture('stream-online', event => { id => '9002' }))->{status}, 204, 'another stream of the channel: 204');
is(inbox_len(), 2, '... queued');

is(deliver(fixture('stream-offline'), id => 'not-a-uuid:1')->{status}, 204, 'stream.offline: 204');
$items = inbox();
is(scalar @$items, 3, '... queued');
is($items->[0]{payload}{subscription_type}, 'stream.offline', '... as stream.offline');
ok(!exists $items->[0]{id}, '... a message id that is no UUID is not the job id');
is(deliver(fixture('channel-update-v2'))->{status}, 204, 'channel.update v2: 204');
is(inbox()->[0]{payload}{subscription_version}, '2', '... queued as version 2');
is(deliver(fixture('channel-update-v2'), version => '1')->{status}, 204, 'channel.update v1: 204');
is(deliver(fixture('channel-update-v2'), subscription_type => 'channel.follow', version => '2')->{status}, 204,
   'an unknown subscription type: 204');
is(inbox_len(), 4, '... neither is queued');

my $revocation = fixture('revocation');
is(deliver($revocation, type => 'revocation')->{status}, 204, 'a revocation: 204');
$items = inbox();
is(scalar @$items, 5, '... queued');
is($items->[0]{payload}{message_type}, 'revocation', '... with message_type revocation');
is_deeply($items->[0]{payload}{body}, $revocation, '... and its body');

# --- Redis gone, and back ---------------------------------------------------------
my $redis_pid = $stack->pid('redis');
kill 'TERM', $redis_pid;
ok(wait_for(sub { !alive($redis_pid) }, 10), 'Redis is stopped');
$res = deliver(fixture('stream-online', event => { id => '9003' }));
is($res->{status}, 503, 'Redis unavailable: 503');
ok(($res->{headers}{'retry-after'} // 0) >= 1, '... with Retry-After');
$stack->start_components('redis');
# a new Redis knows no script: EVALSHA falls back to EVAL
my $msg = message_id();
ok(wait_for(sub { deliver(fixture('stream-online', event => { id => '9003' }), id => $msg)->{status} == 204 }, 15),
   'Redis back: 204');
ok((grep { $_->{payload}{message_id} eq $msg } @{ inbox() }), '... and queued');

# --- settings: the Twitch secrets are sealed by the module ------------------------
my $admin = $stack->login('admin', $stack->admin_password);
my $plain = 'abcdefghijklmnopqrstuvwxyz012345';
$res = $stack->api('PUT', '/api/settings', as => $admin,
                   json => { 'twitch.client_secret' => $plain, 'twitch.user_token' => 'oauth-user-token-1',
                             'recording.quality' => '720p60' });
is($res->{status}, 200, 'PUT /api/settings with the Twitch secrets: 200') or diag $res->{content};
is_deeply($res->{json}{'twitch.client_secret'}, { set => JSON::PP::true }, '... the client secret shows as set');
is($res->{json}{'recording.quality'}, '720p60', '... the other settings as they came');
$res = $stack->api('GET', '/api/settings', as => $admin);
is_deeply($res->{json}{'twitch.client_secret'}, { set => JSON::PP::true }, 'GET shows {"set":true}');
unlike($res->{content}, qr/\Q$plain\E|sv1:/, '... and neither the secret nor its sealed form');

for ([ 'twitch.client_secret', $plain ], [ 'twitch.user_token', 'oauth-user-token-1' ]) {
    my ($key, $value) = @$_;
    my $stored = $stack->psql("SELECT value::text FROM settings WHERE key = '$key'");
    like($stored, qr/^"sv1:[A-Za-z0-9_-]+"\z/, "$key is stored sealed");
    is(open_sealed("$dir/secret", $key, $stored =~ s/"//gr), $value, '... and opens with the secret file\'s key');
    is(open_sealed("$dir/secret", 'twitch.eventsub_secret', $stored =~ s/"//gr), undef,
       '... under its own name only');
}
my $dump = run_cmd(['pg_dump', '-h', $stack->pg_socket, '-U', 'streamvault', '-t', 'settings', 'streamvault']);
is($dump->{status}, 0, 'pg_dump of the settings');
unlike($dump->{out}, qr/\Q$plain\E|oauth-user-token-1/, '... holds no plaintext');

$res = $stack->api('PUT', '/api/settings', as => $admin, body => '{"twitch.client_secret":"a","twitch.client_secret":"b"}',
                   headers => { 'Content-Type' => 'application/json' });
is($res->{status}, 422, 'a secret given twice: 422');
is($stack->api('PUT', '/api/settings', as => $admin, json => { 'twitch.client_secret' => 'with space' })->{status},
   422, 'a secret with a space: 422');
is($stack->api('PUT', '/api/settings', as => $admin, json => { 'twitch.client_secret' => 42 })->{status},
   422, 'a secret that is no string: 422');
is($stack->api('PUT', '/api/settings', as => $admin, json => { 'twitch.eventsub_secret' => 'x' x 32 })->{status},
   422, 'the EventSub secret is no setting of the API: 422');
like($stack->psql("SELECT value::text FROM settings WHERE key = 'twitch.client_secret'"), qr/^"sv1:/,
     '... none of them changed the stored secret');
$res = $stack->api('PUT', '/api/settings', as => $admin, json => { 'twitch.user_token' => undef });
is($res->{status}, 200, 'null resets a secret');
is($stack->psql("SELECT count(*) FROM settings WHERE key = 'twitch.user_token'"), 0, '... it is gone');

# the module's log names no secret and no signature
my $log = $stack->log_text('nginx-error.log');
unlike($log, qr/\Q$secret\E|\Q$plain\E|sha256=[0-9a-f]/, 'the error log holds no secret and no signature');

done_testing;
