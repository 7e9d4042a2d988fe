# The Twitch data model of sql/008_twitch.sql against a real PostgreSQL:
# what the worker's Twitch service and its eventsub job call (schema
# "twitch"), and the API functions as the module calls them
# (SELECT api.<route>(api.authorize($1, '<role>'))): settings that take
# secrets only sealed, the subscriptions route, resubscribe, system status.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex);
use JSON::PP;
use StreamVault::Test qw(start_stack run_cmd worker_bin);

my $stack = start_stack(only => 'pg redis');
my $migrated = run_cmd([worker_bin(), '-c', $stack->worker_conf(log_file => 'stderr'), '--migrate-only'],
                       timeout => 60);
is($migrated->{status}, 0, 'migrations apply')
    or BAIL_OUT("migrations failed: $migrated->{out}$migrated->{err}");

my $json = JSON::PP->new->utf8->canonical->allow_nonref;

sub sql { $stack->psql($_[0]) }
sub lit {
    my ($text) = @_;
    die 'tag in text' if $text =~ /\$q\$/;
    return "\$q\$$text\$q\$";
}
sub jsql { $json->decode(sql($_[0])) }
sub seq { sql("SELECT reconcile_seq || ' ' || resubscribe_seq FROM twitch.state") }

# An admin and a viewer with sessions, as login_finish makes them.
my %session;
for my $who (['root', 'admin'], ['alice', 'viewer']) {
    my ($name, $role) = @$who;
    my $token = sha256_hex("token of $name");
    sql(sprintf(q{INSERT INTO users (username, password_hash, role) VALUES (%s, '$y$j9T$x$y', %s);
                  INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
                  SELECT decode(%s, 'hex'), id, %s, now() + interval '1 day' FROM users WHERE username = %s},
                lit($name), lit($role), lit($token), lit("csrf-of-$name-0123456789abcdef"), lit($name)));
    $session{$name} = { kind => 'session', token_hash => $token, ip => '127.0.0.1',
                        csrf => "csrf-of-$name-0123456789abcdef" };
}

# Calls api.<fn> the module's way as user $who on a route of role (admin
# unless given); -> {ok => answer} or {error => "SV<status> <hint>"} (the
# failed call is rolled back).
sub api {
    my ($who, $fn, $method, %o) = @_;
    my $p = { auth => { %{ $session{$who} }, method => $method }, params => {}, query => {},
              body => $o{body} };
    my $out = sql(sprintf(<<'SQL', lit($fn), lit($json->encode($p)), lit($o{role} // 'admin')));
DO $d$ BEGIN PERFORM set_config('t.fn', %s, false); PERFORM set_config('t.p', %s, false);
             PERFORM set_config('t.role', %s, false); END $d$;
CREATE OR REPLACE FUNCTION pg_temp.call() RETURNS jsonb LANGUAGE plpgsql AS $f$
DECLARE r jsonb; st text; hint text;
BEGIN
    EXECUTE format('SELECT api.%%I(api.authorize($1, $2))', current_setting('t.fn'))
       INTO r USING current_setting('t.p')::jsonb, current_setting('t.role');
    RETURN jsonb_build_object('ok', r);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, hint = PG_EXCEPTION_HINT;
    RETURN jsonb_build_object('error', st || ' ' || coalesce(hint, ''));
END $f$;
SELECT pg_temp.call();
SQL
    return $json->decode($out);
}

# --- settings: secrets only sealed ---------------------------------------------------------

my $sealed = 'sv1:' . ('AbC_-9' x 10);
my $before = seq();
my $r = api('root', 'settings_put', 'PUT', body => { 'twitch.client_secret' => 'plaintext-secret-0123456789' });
is($r->{error}, 'SV422 invalid', 'a plaintext client secret sent straight to SQL is refused');
$r = api('root', 'settings_put', 'PUT', body => { 'twitch.user_token' => 'oauth:abcdefghijklmnopqrstuvwxyz' });
is($r->{error}, 'SV422 invalid', 'so is a plaintext user token');
is(sql(q{SELECT count(*) FROM settings}), 0, 'nothing stored');
for my $bad ('sv1:short', 'sv1:' . ('a' x 30) . '=', 'sv2:' . ('a' x 40), 'sv1:' . ('a' x 4097), 5, ['sv1:x']) {
    $r = api('root', 'settings_put', 'PUT', body => { 'twitch.client_secret' => $bad });
    is($r->{error}, 'SV422 invalid', 'client secret ' . substr($json->encode($bad), 0, 20) . ' refused');
}
$r = api('root', 'settings_put', 'PUT', body => { 'twitch.eventsub_secret' => $sealed });
is($r->{error}, 'SV422 invalid', 'the EventSub secret is no setting of the API');
is(seq(), $before, 'refused settings request no reconcile');

$r = api('root', 'settings_put', 'PUT', body => { 'twitch.client_id' => 'cid0123', 'twitch.client_secret' => $sealed,
                                                  'twitch.user_token' => $sealed });
is_deeply([@{ $r->{ok} // {} }{qw(twitch.client_id twitch.client_secret twitch.user_token twitch.eventsub_secret)}],
          ['cid0123', { set => JSON::PP::true }, { set => JSON::PP::true }, { set => JSON::PP::false }],
          'sealed secrets are accepted and answered as {"set": bool}')
    or diag(explain($r));
unlike($json->encode($r), qr/sv1:/, 'never their value');
is(sql(q{SELECT value #>> '{}' FROM settings WHERE key = 'twitch.client_secret'}), $sealed, 'stored sealed');
is(sql(q{SELECT reconcile_seq FROM twitch.state}), (split ' ', $before)[0] + 2,
   'client id and secret request a reconcile each; the user token none');

my $es1 = 'sv1:' . ('E' x 40);
is(sql(sprintf 'SELECT twitch.eventsub_secret_init(%s)', lit($es1)), $es1, 'eventsub_secret_init stores the first secret');
is(sql(sprintf 'SELECT twitch.eventsub_secret_init(%s)', lit('sv1:' . ('F' x 40))), $es1, 'and keeps it');
ok(!eval { sql(q{SELECT twitch.eventsub_secret_init('plain')}); 1 }, 'a plaintext EventSub secret is refused');
is_deeply(api('root', 'settings_get', 'GET')->{ok}{'twitch.eventsub_secret'}, { set => JSON::PP::true },
          'settings_get masks the EventSub secret');

$before = seq();
api('root', 'settings_put', 'PUT', body => { public_base_url => 'https://sv.example.org' });
api('root', 'settings_put', 'PUT', body => { public_base_url => 'https://sv.example.org' });
is(sql(q{SELECT reconcile_seq FROM twitch.state}), (split ' ', $before)[0] + 1,
   'a new public_base_url requests a reconcile, the same one again none');
is_deeply(jsql('SELECT twitch.config()'), {
    client_id => 'cid0123', client_secret => $sealed, user_token => $sealed, eventsub_secret => $es1,
    public_base_url => 'https://sv.example.org', reconcile_seq => (split ' ', seq())[0], resubscribe_seq => 0,
    resubscribed_seq => 0 },
    'twitch.config()');

# --- streamers: by login, resolved by the worker ------------------------------------------

$before = seq();
my $st = api('root', 'streamers_create', 'POST', body => { login => 'Cool_User' })->{ok};
is_deeply([@{ $st // {} }{qw(login twitch_id twitch_error)}], ['cool_user', undef, undef],
          'a twitch streamer created with its login alone');
is(sql(q{SELECT reconcile_seq FROM twitch.state}), (split ' ', $before)[0] + 1, 'insert requests a reconcile');
my $other = api('root', 'streamers_create', 'POST', body => { login => 'other_one', twitch_id => '4242' })->{ok};
ok($other->{id}, 'or with its id');
api('root', 'streamers_create', 'POST', body => { login => 'ghost' });
is_deeply(jsql('SELECT twitch.streamers_to_resolve(10)'), ['cool_user', 'ghost'], 'streamers_to_resolve');
is_deeply(jsql('SELECT twitch.wanted_subscriptions()'), [
    map { { type => $_->[0], version => $_->[1], broadcaster_user_id => '4242' } }
        ['channel.update', '2'], ['stream.offline', '1'], ['stream.online', '1'] ],
    'wanted_subscriptions: the three of every enabled streamer with an id');

sql(q{SELECT twitch.streamer_unresolved('ghost', E'no such user\n\u001b[31m' || repeat('x', 2000))});
is(sql(q{SELECT length(twitch_error) || ' ' || (twitch_error ~ '[[:cntrl:]]') FROM streamers WHERE login = 'ghost'}),
   '1000 false', 'streamer_unresolved keeps the error, one line, cut');
is_deeply(jsql('SELECT twitch.streamers_to_resolve(10)'), ['cool_user'], 'not tried again within the hour');
sql(q{UPDATE streamers SET twitch_resolved_at = now() - interval '61 minutes' WHERE login = 'ghost'});
is_deeply(jsql('SELECT twitch.streamers_to_resolve(10)'), ['cool_user', 'ghost'], 'but after it');

$before = seq();
my $user = { id => '1337', login => 'cool_user', display_name => "Cool\x{1}User", description => "Hi\nthere",
             profile_image_url => 'https://static-cdn.example/p.png', offline_image_url => 'javascript:alert(1)' };
sql(sprintf 'SELECT twitch.streamer_resolved(%s, %s)', lit('COOL_USER'), lit($json->encode($user)));
is_deeply([split /\|/, sql(q{SELECT twitch_id, display_name, description, profile_image_url,
                                    coalesce(offline_image_url, '-'), twitch_error IS NULL
                               FROM streamers WHERE login = 'cool_user'})],
          ['1337', 'Cool User', "Hi\nthere", 'https://static-cdn.example/p.png', '-', 't'],
          'streamer_resolved: id, display name, description, images (a bad URL left out)');
is(sql(q{SELECT reconcile_seq FROM twitch.state}), (split ' ', $before)[0] + 1, 'the id requests a reconcile');
sql(sprintf 'SELECT twitch.streamer_resolved(%s, %s)', lit('cool_user'),
    lit($json->encode({ %$user, display_name => 'Other Name' })));
is(sql(q{SELECT display_name FROM streamers WHERE login = 'cool_user'}), 'Cool User',
   'a display name is set only where there was none');
sql(sprintf 'SELECT twitch.streamer_resolved(%s, %s)', lit('ghost'), lit($json->encode({ id => '4242', login => 'ghost' })));
like(sql(q{SELECT coalesce(twitch_id, '-') || ' ' || twitch_error FROM streamers WHERE login = 'ghost'}),
     qr/^- another streamer has the Twitch id 4242$/, 'an id taken by another streamer is an error');
sql(sprintf 'SELECT twitch.streamer_resolved(%s, %s)', lit('ghost'), lit($json->encode({ id => "1 OR 1=1" })));
like(sql(q{SELECT coalesce(twitch_id, '-') || ' ' || twitch_error FROM streamers WHERE login = 'ghost'}),
     qr/^- Twitch answered a user without a valid id$/, 'a malformed id too');
sql(q{DELETE FROM streamers WHERE login = 'ghost'});

$before = seq();
sql(q{UPDATE streamers SET display_name = 'x', is_live = false WHERE login = 'other_one'});
is(seq(), $before, 'other changes of a streamer request nothing');
sql(q{UPDATE streamers SET enabled = false WHERE login = 'other_one'});
is(sql(q{SELECT reconcile_seq FROM twitch.state}), (split ' ', $before)[0] + 1, 'disabling requests a reconcile');
is_deeply(jsql('SELECT twitch.poll_targets()'), [{ broadcaster_id => '1337', live => JSON::PP::false }],
          'poll_targets: enabled streamers with an id');

# --- stream.online -------------------------------------------------------------------------------

my $on = jsql(q{SELECT twitch.stream_online('1337', '9001', '2026-11-21T10:00:00.123Z', NULL, NULL, NULL)});
my $sid = sql(q{SELECT id FROM streamers WHERE login = 'cool_user'});
is_deeply([@$on{qw(streamer_id new_stream already)}], [$sid, JSON::PP::true, JSON::PP::false],
          'stream_online: a new stream') or diag(explain($on));
ok($on->{stream_id} && $on->{recording_id}, 'with its stream and recording');
is(sql("SELECT twitch_stream_id || ' ' || started_at || ' ' || (ended_at IS NULL) || ' ' || (info_at IS NULL)
          FROM streams WHERE id = $on->{stream_id}"),
   '9001 2026-11-21 10:00:00.123+00 true true', 'the streams row, its info still to fetch');
is(sql("SELECT string_agg(kind || ' ' || occurred_at, ',') FROM stream_events WHERE stream_id = $on->{stream_id}"),
   'online 2026-11-21 10:00:00.123+00', 'an online event');
is(sql("SELECT is_live FROM streamers WHERE id = $sid"), 't', 'the streamer is live');
is(sql("SELECT state || ' ' || stream_id FROM recordings WHERE id = $on->{recording_id}"), "pending $on->{stream_id}",
   'a pending recording of the stream');
is(sql("SELECT string_agg(type || ' ' || state, ',') FROM jobs WHERE recording_id = $on->{recording_id}"),
   'record queued', 'and its record job');

my $again = jsql(q{SELECT twitch.stream_online('1337', '9001', now(), NULL, NULL, NULL)});
is_deeply($again, { %$on, new_stream => JSON::PP::false, already => JSON::PP::true },
          'the same stream again: the same recording, already');
sql("UPDATE recordings SET state = 'failed' WHERE id = $on->{recording_id}");
$again = jsql(q{SELECT twitch.stream_online('1337', '9001', now(), NULL, NULL, NULL)});
is($again->{already} && $again->{recording_id}, $on->{recording_id}, 'even when its recording ended');
is(sql("SELECT count(*) || ' ' || (SELECT count(*) FROM jobs WHERE type = 'record') FROM recordings"), '1 1',
   'one recording, one record job');
sql("UPDATE recordings SET state = 'recording', started_at = '2026-11-21T10:00:05Z' WHERE id = $on->{recording_id}");

is_deeply(jsql(q{SELECT twitch.stream_online('999', '9002', now(), NULL, NULL, NULL)}),
          { ignored => 'unknown broadcaster' }, 'an unknown broadcaster is ignored');
sql(q{UPDATE streamers SET twitch_id = '555' WHERE login = 'other_one'});
is_deeply(jsql(q{SELECT twitch.stream_online('555', '9003', now(), NULL, NULL, NULL)}),
          { ignored => 'streamer disabled' }, 'a disabled streamer is ignored');
is(sql(q{SELECT count(*) FROM streams}), 1, 'nothing created for them');
ok(!eval { sql(q{SELECT twitch.stream_online('1337', '90x', now(), NULL, NULL, NULL)}); 1 },
   'a malformed stream id fails');
ok(!eval { sql(q{SELECT twitch.stream_online('1337 OR 1=1', '9004', now(), NULL, NULL, NULL)}); 1 },
   'so does a malformed broadcaster id');

# --- channel.update, info ---------------------------------------------------------------------------

my $up = jsql(sprintf q{SELECT twitch.channel_update('1337', %s, '21779', %s, '2026-11-21T10:10:00Z')},
              lit('Speedrun attempts ' . ('!' x 1200)), lit("League\nof Legends"));
is_deeply($up, { streamer_id => $sid, stream_id => $on->{stream_id} }, 'channel_update answers the open stream');
is(sql("SELECT length(title) || '|' || category_id || '|' || category_name FROM stream_events
         WHERE stream_id = $on->{stream_id} AND kind = 'update'"),
   '1000|21779|League of Legends', 'an update event: title cut to 1000, one line');
is_deeply(jsql('SELECT twitch.streams_without_info(10)'), [{ stream_id => $on->{stream_id}, broadcaster_id => '1337' }],
          'streams_without_info');
sql("SELECT twitch.stream_info($on->{stream_id}, 'Any% runs', '509658', 'Just Chatting')");
is(sql("SELECT title || '|' || category_name || '|' || (info_at IS NOT NULL) FROM streams WHERE id = $on->{stream_id}"),
   'Any% runs|Just Chatting|true', 'stream_info fills the stream');
is(sql("SELECT title || '|' || category_name FROM stream_events WHERE stream_id = $on->{stream_id} AND kind = 'online'"),
   'Any% runs|Just Chatting', 'and its online event');
is_deeply(jsql('SELECT twitch.streams_without_info(10)'), [], 'then it is not listed');

# --- stream.offline -------------------------------------------------------------------------------------

my $off = jsql(q{SELECT twitch.stream_offline('1337', '2026-11-21T11:00:00Z')});
is_deeply($off, { streamer_id => $sid, stopped => [$on->{recording_id}] }, 'stream_offline stops the recording');
is(sql("SELECT stop_requested FROM recordings WHERE id = $on->{recording_id}"), 't', 'stop_requested');
is(sql("SELECT is_live FROM streamers WHERE id = $sid"), 'f', 'the streamer is no longer live');
is(sql("SELECT ended_at FROM streams WHERE id = $on->{stream_id}"), '2026-11-21 11:00:00+00', 'the stream ended');
is(sql("SELECT count(*) FROM stream_events WHERE stream_id = $on->{stream_id} AND kind = 'offline'"), 1, 'an offline event');
is_deeply(jsql(q{SELECT twitch.stream_offline('999', NULL)}), { ignored => 'unknown broadcaster' },
          'offline of an unknown broadcaster is ignored');
is_deeply(jsql(q{SELECT twitch.channel_update('1337', 't', NULL, NULL, now())}), { streamer_id => $sid, stream_id => undef },
          'channel_update while offline: no stream');
$again = jsql(q{SELECT twitch.stream_online('1337', '9001', now(), NULL, NULL, NULL)});
ok($again->{already} && !$again->{new_stream}, 'a late stream.online of the ended stream starts nothing');

# The chapters of the recording: what library.plan hands to post-processing.
sql("UPDATE recordings SET state = 'processing', ended_at = '2026-11-21T11:00:00Z' WHERE id = $on->{recording_id}");
my $plan = jsql("SELECT library.plan($on->{recording_id})");
is_deeply([map { [$_->{at_s}, $_->{title}, $_->{category}] } @{ $plan->{events} }],
          [[0, 'Any% runs', 'Just Chatting'], [595, 'Speedrun attempts ' . ('!' x 238), 'League of Legends']],
          'library.plan: the chapters from the online and update events');

# A new stream of a streamer closes its open one.
my $on2 = jsql(q{SELECT twitch.stream_online('1337', '9010', '2026-11-22T10:00:00Z', 'Day 2', '1', 'Cat')});
my $on3 = jsql(q{SELECT twitch.stream_online('1337', '9011', '2026-11-22T12:00:00Z', 'Day 2b', '1', 'Cat')});
ok($on2->{new_stream} && $on3->{new_stream}, 'two new streams');
is(sql("SELECT ended_at FROM streams WHERE id = $on2->{stream_id}"), '2026-11-22 12:00:00+00',
   'the newer one closes the older');
is(sql("SELECT (info_at IS NOT NULL) || title FROM streams WHERE id = $on3->{stream_id}"), 'trueDay 2b',
   'a polled start with title and category has its info');

# --- subscriptions ---------------------------------------------------------------------------------------

sub helix_sub {
    my ($id, $type, $status, $b) = @_;
    return { id => $id, type => $type, version => ($type eq 'channel.update' ? '2' : '1'), status => $status,
             cost => 0, condition => { broadcaster_user_id => $b },
             transport => { method => 'webhook', callback => 'https://sv.example.org/eventsub' },
             created_at => '2026-11-21T10:00:00.123Z' };
}
my @subs = (helix_sub('f1c2a387-161a-49f9-a165-0f21d7a4e1c4', 'stream.online', 'enabled', '1337'),
            helix_sub('f1c2a387-161a-49f9-a165-0f21d7a4e1c5', 'stream.offline', 'enabled', '1337'),
            helix_sub('f1c2a387-161a-49f9-a165-0f21d7a4e1c6', 'channel.update', 'webhook_callback_verification_pending', '1337'),
            { id => "x'; DROP TABLE streams; --", type => 'stream.online', version => '1', status => 'enabled' });
sql(sprintf 'SELECT twitch.subscriptions_sync(%s)', lit($json->encode(\@subs)));
is(sql(q{SELECT string_agg(type || ':' || status, ',' ORDER BY type) FROM twitch.subscriptions}),
   'channel.update:webhook_callback_verification_pending,stream.offline:enabled,stream.online:enabled',
   'subscriptions_sync mirrors the list (a malformed one left out)');
sql(sprintf 'SELECT twitch.subscriptions_sync(%s)', lit($json->encode([$subs[0], helix_sub('abc-1', 'stream.offline', 'enabled', '1337')])));
is(sql(q{SELECT string_agg(id, ',' ORDER BY id) FROM twitch.subscriptions}), 'abc-1,f1c2a387-161a-49f9-a165-0f21d7a4e1c4',
   'and replaces it');
sql(sprintf 'SELECT twitch.subscription_put(%s)', lit($json->encode(helix_sub('abc-2', 'channel.update', 'enabled', '1337'))));
sql(q{SELECT twitch.subscription_gone('abc-1')});
is(sql(q{SELECT string_agg(id || ' ' || callback || ' ' || created_at, ',' ORDER BY id) FROM twitch.subscriptions}),
   'abc-2 https://sv.example.org/eventsub 2026-11-21 10:00:00.123+00,f1c2a387-161a-49f9-a165-0f21d7a4e1c4 https://sv.example.org/eventsub 2026-11-21 10:00:00.123+00',
   'subscription_put adds one, subscription_gone removes one');

$before = seq();
sql(q{SELECT twitch.subscription_revoked('f1c2a387-161a-49f9-a165-0f21d7a4e1c4', 'authorization_revoked', '2026-11-21T12:00:00Z')});
is(sql(q{SELECT status || ' ' || revoked_at FROM twitch.subscriptions WHERE id = 'f1c2a387-161a-49f9-a165-0f21d7a4e1c4'}),
   'authorization_revoked 2026-11-21 12:00:00+00', 'a revocation keeps the status and when');
is(sql(q{SELECT reconcile_seq FROM twitch.state}), (split ' ', $before)[0] + 1, 'and requests a reconcile');
sql(q{SELECT twitch.reconcile_done(3, 0)});
is(sql(q{SELECT reconciled_seq || ' ' || (reconciled_at IS NOT NULL) FROM twitch.state}), '3 true', 'reconcile_done');

# --- the API: subscriptions, resubscribe, status ----------------------------------------------------------

sql(q{SELECT twitch.status_put('{"mode": "eventsub", "reason": "public_base_url is set", "breaker": "closed"}')});
ok(!eval { sql(q{SELECT twitch.status_put('[1]')}); 1 }, 'status_put takes an object only');
my $subs = api('root', 'twitch_subscriptions', 'GET');
is_deeply([map { [$_->{id}, $_->{status}, $_->{streamer}{login}] } @{ $subs->{ok}{items} // [] }],
          [['abc-2', 'enabled', 'cool_user'], ['f1c2a387-161a-49f9-a165-0f21d7a4e1c4', 'authorization_revoked', 'cool_user']],
          'twitch_subscriptions lists the mirror with the streamers') or diag(explain($subs));
is_deeply([@{ $subs->{ok}{status} // {} }{qw(mode breaker subscriptions)}],
          ['eventsub', 'closed', { enabled => 1, authorization_revoked => 1 }], 'and the Twitch state');
is(api('alice', 'twitch_subscriptions', 'GET')->{error}, 'SV403 forbidden', 'admins only');
is(api('alice', 'twitch_resubscribe', 'POST')->{error}, 'SV403 forbidden', 'resubscribe too');
is(api('root', 'twitch_resubscribe', 'POST', body => { all => 1 })->{error}, 'SV422 invalid', 'resubscribe takes no fields');
is_deeply(api('root', 'twitch_resubscribe', 'POST')->{ok}, { resubscribe_seq => 1 }, 'resubscribe answers the new seq');
is_deeply(api('root', 'twitch_resubscribe', 'POST', body => {})->{ok}, { resubscribe_seq => 2 }, 'and grows it');
my $status = api('alice', 'system_status', 'GET', role => 'viewer')->{ok};
is_deeply([@{ $status->{twitch} // {} }{qw(mode reason resubscribe_seq)}, $status->{twitch}{subscriptions}],
          ['eventsub', 'public_base_url is set', 2, { enabled => 1, authorization_revoked => 1 }],
          'system_status has the Twitch state') or diag(explain($status));

# --- deleting a streamer ---------------------------------------------------------------------------------

$before = seq();
sql(q{DELETE FROM recordings; DELETE FROM streamers WHERE login = 'cool_user'});
is(sql(q{SELECT reconcile_seq FROM twitch.state}), (split ' ', $before)[0] + 1, 'deleting a streamer requests a reconcile');
is_deeply(jsql('SELECT twitch.wanted_subscriptions()'), [], 'and nothing is wanted any more');

done_testing;
