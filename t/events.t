# GET /api/events, the Server-Sent Events stream, in a full stack: only
# for callers the API knows; what the database changes reaches the stream
# through PostgreSQL's NOTIFY, the worker's relay and Redis, numbered;
# Last-Event-ID replays exactly what was missed, or says to fetch
# everything again; a gap in the numbers does too; messages that are not
# one JSON object are never passed on; keep-alive comments; a stream ends
# cleanly after its lifetime and at a reload (the old worker exits at
# once); a client that does not read is closed, not buffered; the
# subscription survives a Redis restart.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use StreamVault::Test qw(wait_for);
use StreamVault::SSE;

my $stack = StreamVault::Test::start_stack(timeout => 300, nginx_http => <<'EOF');
streamvault_events_keepalive 1s;
streamvault_events_lifetime 30s;
streamvault_events_buffer 128k;
EOF
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in');
my $sse = sub { StreamVault::SSE->open($stack, @_) };
my $event = sub { $stack->psql("SELECT api_internal.event('$_[0]'::jsonb)") };

# --- who may listen --------------------------------------------------------------

my $e = $sse->();
is($e->{status}, 401, 'without credentials: 401');
is($e->{json}{error}{code}, 'unauthorized', 'with the JSON error');
$e = $sse->(as => { session => 'x' x 43 });
is($e->{status}, 401, 'an unknown session: 401');
my $r = $stack->api('POST', '/api/users', as => $admin,
                    json => { username => 'watcher', password => 'watcher-password-1', role => 'viewer' });
is($r->{status}, 201, 'a viewer is made') or diag $r->{content};
my $viewer = $stack->login('watcher', 'watcher-password-1');
$r = $stack->api('POST', '/api/tokens', as => $admin, json => { name => 'events', scopes => ['read'] });
is($r->{status}, 201, 'a read token is made') or diag $r->{content};
my $token = $r->{json}{token};

$e = $sse->(token => $token);
is($e->{status}, 200, 'a read token may listen');
$e->close;
$e = $sse->(as => $viewer);
is($e->{status}, 200, 'a viewer may listen');
is($e->{headers}{'content-type'}, 'text/event-stream', 'text/event-stream');
is($e->{headers}{'cache-control'}, 'no-store', 'never cached');
is($e->{headers}{'x-accel-buffering'}, 'no', 'proxies told not to buffer');
my $f = $e->next_frame(5);
is_deeply($f->{comments}, ['streamvault events'], 'a comment comes at once');
is($f->{retry}, 3000, 'with the reconnect delay');

# --- what the database changes ---------------------------------------------------------

$r = $stack->api('POST', '/api/streamers', as => $admin,
                 json => { platform => 'url', login => 'cam1', source_url => 'http://127.0.0.1:9/live.m3u8' });
is($r->{status}, 201, 'a streamer is added') or diag $r->{content};
my $streamer = $r->{json}{id};
$f = $e->next_event(10);
is($f->{json}{type}, 'streamer', 'the stream tells of it') or diag explain $f;
is($f->{json}{id}, $streamer, 'with its id');
ok($f->{id} =~ /^\d+$/ && $f->{json}{seq} == $f->{id}, 'numbered: the frame id is the seq');
my $first = $f->{id};

$stack->psql("UPDATE streamers SET is_live = true WHERE id = $streamer");
$f = $e->next_event(10);
is_deeply([@{ $f->{json} }{qw(type id live)}], ['streamer', $streamer, JSON::PP::true()], 'it went live')
    or diag explain $f;
is($f->{id}, $first + 1, 'the next number');
$f = $e->next_event(10);
is($f->{json}{type}, 'notification', 'and people are told') or diag explain $f;
is($f->{json}{message}, 'cam1 is live', 'in words');
$stack->psql("UPDATE streamers SET updated_at = now() WHERE id = $streamer");
$stack->psql("INSERT INTO recordings (streamer_id, state, title) VALUES ($streamer, 'recording', 'Hi')");
$f = $e->next_event(10);
is($f->{json}{type}, 'recording', 'a change the UI does not show says nothing; a recording does')
    or diag explain $f;
is($f->{json}{state}, 'recording', 'with its state');
my $last = $f->{id};

# --- what is passed on ---------------------------------------------------------------------

$stack->redis('PUBLISH', 'streamvault:events', $_) for
    ('not json', '{"a":1', "{\"a\":\n1}", '["x"]', '{"a":"' . ('x' x 70000) . '"}');
$stack->redis('PUBLISH', 'streamvault:events', '{"type":"raw"}');
$f = $e->next_event(10);
is($f->{data}, '{"type":"raw"}', 'messages that are not one JSON object on one line are dropped; '
                                 . 'an unnumbered one passes') or diag explain $f;
ok(!defined $f->{id}, 'without an id');
ok(wait_for(sub { $stack->log_text('nginx-error.log') =~ /was not passed on: not a JSON object on one line \(1 so far\)/ }, 5),
   'the first refusal is logged');
is(() = $stack->log_text('nginx-error.log') =~ /was not passed on/g, 1, 'once');

$event->('{"type":"test","n":1}');
$f = $e->next_event(10);
is($f->{id}, $last + 1, 'numbering goes on after them') or diag explain $f;
$last = $f->{id};

# a gap in the numbers: every stream starts again from the new one
$stack->redis('INCRBY', 'streamvault:events:seq', 5);
$event->('{"type":"test","n":2}');
$f = $e->next_event(10);
is($f->{data}, '{"type":"reset"}', 'a gap: the stream is told to fetch everything again') or diag explain $f;
is($f->{id}, $last + 6, 'from the new number');
$last = $f->{id};

# --- replay ---------------------------------------------------------------------------------

$event->(qq({"type":"test","n":$_})) for 3 .. 5;
my @live = map { $e->next_event(10) } 1 .. 3;
is_deeply([map { $_->{json}{n} } @live], [3, 4, 5], 'three more, live');
my $b = $sse->(as => $admin, last_id => $last);
$b->next_frame(5);
my @replayed = map { $b->next_event(5) } 1 .. 3;
is_deeply([map { $_->{raw} } @replayed], [map { $_->{raw} } @live],
          'Last-Event-ID: exactly the frames missed, as they were sent');
$f = $b->next_frame(3);
ok($f && !defined $f->{data} && @{ $f->{comments} }, 'then nothing more but a keep-alive comment')
    or diag explain $f;
$b->close;
$last = $live[-1]{id};

$b = $sse->(as => $admin, last_id => $last);
$b->next_frame(5);
$f = $b->next_frame(3);
ok($f && !defined $f->{data}, 'up to date: nothing replayed') or diag explain $f;
$b->close;

for my $case ([$last + 10, 'from the future (a counter reset)'], ['12abc', 'malformed'],
              [$first - 1, 'older than the ring holds after the gap']) {
    $b = $sse->(as => $admin, last_id => $case->[0]);
    $b->next_frame(5);
    $f = $b->next_event(3);
    is($f && $f->{data}, '{"type":"reset"}', "Last-Event-ID $case->[1]: fetch everything again");
    is($f && $f->{id}, $last, 'and resume from the newest');
    $b->close;
}

# more missed than a stream may hold: it could never catch up, so a reset
# (numbered as the worker numbers them; pg_notify carries at most 8000 bytes)
$stack->redis('EVAL', q{for i = 1, 3 do
                           local seq = redis.call('INCR', KEYS[1])
                           redis.call('PUBLISH', KEYS[2], '{"seq":' .. seq .. ',"pad":"' .. ARGV[1] .. '"}')
                         end}, 2, 'streamvault:events:seq', 'streamvault:events', 'x' x 30000);
my @big = map { $e->next_event(10) } 1 .. 3;
is(scalar(grep { length($_->{data} // '') > 30000 } @big), 3, 'three large events, live');
$b = $sse->(as => $admin, last_id => $last);
$b->next_frame(5);
$f = $b->next_event(3);
is($f && $f->{data}, '{"type":"reset"}', 'Last-Event-ID before more than half its buffer: a reset');
is($f && $f->{id}, $big[-1]{id}, 'from the newest');
$b->close;

# --- keep-alive ---------------------------------------------------------------------------------------

$f = $e->next_frame(3);
ok($f && !defined $f->{data} && defined $f->{comments}[0], 'an idle stream gets comments');
$e->close;

# --- a burst ------------------------------------------------------------------------------------------

# more at once than a stream may hold unsent reaches a client that reads:
# only what the socket refuses counts against the buffer
my $burst = $sse->(as => $admin);
$burst->next_frame(5);
$stack->redis('EVAL', "for i = 1, 12 do redis.call('PUBLISH', KEYS[1], '{\"burst\":' .. i .. ',\"pad\":\"' .. ARGV[1] .. '\"}') end",
              1, 'streamvault:events', 'x' x 60000);
my @burst = grep { defined } map { $burst->next_event(10) } 1 .. 12;
is_deeply([map { $_->{json}{burst} } @burst], [1 .. 12], 'a burst of 720 KB to a 128 KB buffer: all of it, in order');
ok(!$burst->closed, 'the stream goes on');
$burst->close;

# --- a client that does not read ------------------------------------------------------------------

my $slow = $sse->(as => $admin, rcvbuf => 4096);
my $pad = 'x' x 60000;
$stack->redis('EVAL', "for i = 1, 300 do redis.call('PUBLISH', KEYS[1], '{\"pad\":\"' .. ARGV[1] .. '\"}') end",
              1, 'streamvault:events', $pad);
ok(wait_for(sub { $stack->log_text('nginx-error.log') =~ /events client too slow, closed/ }, 20),
   'a client that does not read is closed once it holds its buffer');
ok($slow->drain(20), 'its connection ends');
ok(!$slow->ended, 'cut, not ended as a response');

# a client that went away leaves nothing behind; others go on
my $t0 = time;
$e = $sse->(as => $admin);
$e->next_frame(5);
my $gone = $sse->(as => $admin);
$gone->close;
$event->('{"type":"test","n":6}');
# the slow client's padding may still be passing through the subscriber
do { $f = $e->next_event(10) } while $f && exists $f->{json}{pad};
is($f && $f->{json}{n}, 6, 'the others go on after a client left') or diag explain $f;

# --- Redis restarts ----------------------------------------------------------------------------------

# What changes while Redis is down reaches no one live: the worker owes
# watchers a reset, published once it is back.
my $connects = sub { scalar(() = $stack->log_text('worker.log') =~ /"connected to Redis"/g) };
my $before = $connects->();
kill 'TERM', $stack->pid('redis');
ok(wait_for(sub { !-S $stack->redis_socket }, 15), 'Redis stopped');
$event->('{"type":"test","n":7}');
$stack->start_components('redis');
ok(wait_for(sub { $stack->log_text('nginx-error.log') =~ /events subscription restored/ }, 20),
   'the subscription is restored');
like($stack->log_text('nginx-error.log'), qr/events subscription to redis: .*retrying/, 'its loss was logged');
ok(wait_for(sub { $connects->() > $before }, 20), 'the worker is back on Redis');
my @after;
while (my $g = $e->next_event(10)) {
    push @after, $g;
    last if ($g->{json}{n} // 0) == 8;
    $event->('{"type":"test","n":8}') if @after == 1;
}
ok((grep { $_->{data} eq '{"type":"reset"}' || $_->{json}{type} eq 'reset' } @after),
   'a stream open across the restart is told to fetch everything again')
    or diag explain \@after;
is($after[-1] && $after[-1]{json}{n}, 8, 'and hears what comes after') or diag explain \@after;

# A subscriber that was away while events were published learns it from
# the counter as it subscribes again, not only from the next event.
my @nginx_workers = split ' ', `pgrep -P ${\ $stack->pid('nginx')}`;
kill 'STOP', @nginx_workers;
$stack->redis('CLIENT', 'KILL', 'TYPE', 'pubsub');
my $missed = $stack->redis('EVAL', q{local seq = redis.call('INCR', KEYS[1])
                                     redis.call('PUBLISH', KEYS[2], '{"seq":' .. seq .. ',"type":"test","n":9}')
                                     return seq}, 2, 'streamvault:events:seq', 'streamvault:events');
kill 'CONT', @nginx_workers;
$f = $e->next_event(10);
is($f && $f->{data}, '{"type":"reset"}', 'events published while the subscription was away: a reset at once')
    or diag explain $f;
is($f && $f->{id}, $missed + 0, 'from the newest published');

# --- lifetime ------------------------------------------------------------------------------------------

ok($e->drain(40), 'a stream ends after its lifetime');
ok($e->ended, 'as a response ends, with the last chunk');
cmp_ok(time - $t0, '>=', 29, 'not before');
cmp_ok(time - $t0, '<', 34, 'nor long after');

# --- a reload ------------------------------------------------------------------------------------------

$e = $sse->(as => $admin);
$e->next_frame(5);
my $master = $stack->pid('nginx');
my @old = split ' ', `pgrep -P $master`;
ok(@old >= 1, 'nginx has workers');
kill 'HUP', $master;
ok($e->drain(10), 'a reload ends the stream');
ok($e->ended, 'cleanly, with the last chunk');
ok(wait_for(sub { !grep { kill 0, $_ } @old }, 10), 'the old workers exit at once');
$e = $sse->(as => $admin);
is($e->{status}, 200, 'the new workers stream');
$e->next_frame(5);
$event->('{"type":"test","n":8}');
$f = $e->next_event(10);
is($f && $f->{json}{n}, 8, 'and hear new events');
$e->close;

unlike($stack->log_text('nginx-error.log'), qr/\[(alert|crit|emerg)\]/, 'no alerts in the error log');

done_testing;
