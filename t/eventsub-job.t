# The eventsub job end to end in the worker: jobs shaped as nginx queues
# them (README "Job schema", bodies as Twitch sends them) pushed onto
# streamvault:inbox with the worker running, and the rows they leave.
# The worker's disk guard holds (min_free_mb far above any disk), so the
# record jobs a stream.online queues wait, their recordings stay pending,
# and nothing is fetched from anywhere.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP;
use StreamVault::Test qw(start_stack free_port wait_for);
use StreamVault::Jobs;
use StreamVault::EventSub qw(fixture rfc3339 message_id);

my $stack = start_stack(only => 'pg redis', timeout => 180);
my $dead = 'http://127.0.0.1:' . free_port() . '/';
$ENV{STREAMVAULT_MIN_FREE_MB} = 100000000;
$ENV{STREAMVAULT_TWITCH_GQL_URL} = $dead;
$ENV{STREAMVAULT_TWITCH_USHER_URL} = $dead;
my $jobs = StreamVault::Jobs->new($stack);
sub sql { $stack->psql($_[0]) }
ok(wait_for(sub { sql(q{SELECT to_regclass('twitch.state') IS NOT NULL}) eq 't' }, 30), 'migrated');

sql(q{INSERT INTO streamers (login, twitch_id) VALUES ('cool_user', '1337');
      INSERT INTO streamers (login, twitch_id, enabled) VALUES ('sleepy', '2000', false)});
my $sid = sql(q{SELECT id FROM streamers WHERE login = 'cool_user'});

# The payload nginx makes of one delivery of $body.
sub eventsub {
    my ($body, %o) = @_;
    my $sub = $body->{subscription};
    return { message_type => $o{message_type} // 'notification', message_id => $o{id} // message_id(),
             message_timestamp => $o{timestamp} // rfc3339(), subscription_type => $sub->{type},
             subscription_version => $sub->{version}, body => $body };
}

# Injects, waits for the job to succeed; true when it did.
sub run_job {
    my ($name, $payload) = @_;
    my $id = $jobs->inject('eventsub', $payload, priority => 0);
    my $ok = $jobs->wait_state($id, 'succeeded', 30);
    ok($ok, "$name: the job succeeded") or diag($jobs->state($id) . ': ' . $jobs->error($id));
    return $id;
}

# --- stream.online ---------------------------------------------------------------------------

run_job('stream.online', eventsub(fixture('stream-online')));
my ($stream, $started) = split /\|/, sql(q{SELECT id, started_at FROM streams WHERE twitch_stream_id = '9001'});
ok($stream, 'a stream row of Twitch stream 9001');
is($started, '2026-11-21 10:00:00.123+00', 'started when the event says');
is(sql("SELECT kind FROM stream_events WHERE stream_id = $stream"), 'online', 'an online event');
is(sql("SELECT is_live FROM streamers WHERE id = $sid"), 't', 'the streamer is live');
my ($rec, $rstate) = split /\|/, sql("SELECT id, state FROM recordings WHERE stream_id = $stream");
like($rstate // '', qr/^(pending|recording)$/, "its recording ($rstate)");
ok(wait_for(sub { sql("SELECT count(*) FROM jobs WHERE type = 'record' AND recording_id = $rec") == 1 }, 10),
   'and its record job');

run_job('stream.online again, a new message id', eventsub(fixture('stream-online')));
is(sql(q{SELECT count(*) || ' ' || (SELECT count(*) FROM jobs WHERE type = 'record') FROM recordings}), '1 1',
   'the same stream: no second recording, no second record job');
like($stack->log_text('worker.log'), qr/"msg":"EventSub event applied".*already\\?":\s*true/,
     'logged as already there');

# --- channel.update, stream.offline ------------------------------------------------------------------

run_job('channel.update', eventsub(fixture('channel-update-v2'), timestamp => '2026-11-21T10:30:00.5Z'));
is(sql("SELECT title || '|' || category_id || '|' || category_name || '|' || occurred_at FROM stream_events
         WHERE stream_id = $stream AND kind = 'update'"),
   'Speedrun attempts|21779|League of Legends|2026-11-21 10:30:00.5+00', 'an update event: a chapter');
run_job('channel.update without a category',
        eventsub(fixture('channel-update-v2', event => { title => "T\x{e9}st", category_id => '', category_name => '' })));
is(sql("SELECT title || '|' || (category_id IS NULL) FROM stream_events WHERE stream_id = $stream AND kind = 'update'
         ORDER BY id DESC LIMIT 1"), "T\x{c3}\x{a9}st|true", 'with the category left out');

run_job('stream.offline', eventsub(fixture('stream-offline'), timestamp => '2026-11-21T11:00:00Z'));
is(sql("SELECT ended_at FROM streams WHERE id = $stream"), '2026-11-21 11:00:00+00', 'the stream ended');
is(sql("SELECT is_live FROM streamers WHERE id = $sid"), 'f', 'the streamer is not live');
is(sql("SELECT stop_requested FROM recordings WHERE id = $rec"), 't', 'its recording is asked to stop');

# --- revocation -----------------------------------------------------------------------------------------

sql(q{INSERT INTO twitch.subscriptions (id, type, version, broadcaster_user_id, status)
      VALUES ('f1c2a387-161a-49f9-a165-0f21d7a4e1c4', 'stream.online', '1', '1337', 'enabled')});
my $seq = sql(q{SELECT reconcile_seq FROM twitch.state});
run_job('revocation', eventsub(fixture('revocation'), message_type => 'revocation', timestamp => '2026-11-21T12:00:00Z'));
is(sql(q{SELECT status || ' ' || revoked_at FROM twitch.subscriptions WHERE id = 'f1c2a387-161a-49f9-a165-0f21d7a4e1c4'}),
   'authorization_revoked 2026-11-21 12:00:00+00', 'the revocation is stored with its status');
is(sql(q{SELECT reconcile_seq FROM twitch.state}), $seq + 1, 'and a reconcile requested');

# --- ignored ----------------------------------------------------------------------------------------------

my $before = sql(q{SELECT (SELECT count(*) FROM streams) || ' ' || (SELECT count(*) FROM recordings)});
run_job('stream.online of an unknown broadcaster',
        eventsub(fixture('stream-online', event => { broadcaster_user_id => '424242', id => '9100' })));
run_job('stream.online of a disabled streamer',
        eventsub(fixture('stream-online', event => { broadcaster_user_id => '2000', id => '9101' })));
run_job('stream.offline of an unknown broadcaster',
        eventsub(fixture('stream-offline', event => { broadcaster_user_id => '424242' })));
is(sql(q{SELECT (SELECT count(*) FROM streams) || ' ' || (SELECT count(*) FROM recordings)}), $before,
   'nothing was created for them');
like($stack->log_text('worker.log'), qr/"msg":"EventSub event ignored".*"why":"unknown broadcaster"/,
     'the worker says why it ignored them');

# --- malformed payloads are refused ------------------------------------------------------------------------

my $online = fixture('stream-online');
my @attacks = (
    [eventsub({ %$online, event => { %{ $online->{event} }, id => "9001'; DROP TABLE streams; --" } }),
     qr/payload\.body\.event\.id must be 1\.\.20 digits/],
    [eventsub({ %$online, event => { %{ $online->{event} }, broadcaster_user_id => 1337 } }),
     qr/payload\.body\.event\.broadcaster_user_id must be/],
    [eventsub($online, timestamp => '2026-11-21 10:00'), qr/payload\.message_timestamp must be an RFC 3339/],
    [{ %{ eventsub($online) }, body => JSON::PP->new->encode($online) }, qr/payload\.body must be an object/],
    [eventsub(fixture('stream-online', subscription => { type => 'channel.follow' })),
     qr/payload\.subscription_type must be/],
    [{ %{ eventsub($online) }, message_type => 'webhook_callback_verification' }, qr/payload\.message_type/],
    [eventsub({ subscription => $online->{subscription} }), qr/payload\.body\.event must be an object/],
);
my @ids = map { $jobs->inject('eventsub', $_->[0]) } @attacks;
$jobs->check_rejected(\@attacks, \@ids);
is(sql(q{SELECT count(*) FROM streams}), (split ' ', $before)[0], 'and changed nothing');

done_testing;
