# Recording schedules against a whole stack (PostgreSQL, Redis, nginx, the
# sanitizer worker). The API: create, list, get, patch, delete; a bad cron
# expression or time zone answers 422 with the parser's explanation (also
# for PATCH and the preview), after authorization (a viewer learns
# nothing); the preview's next 5 runs exact, across DST changes. Firing:
# a schedule due in a few seconds makes one pending recording and one
# `record` job, once, with a second worker racing the first; a missed run
# still within its duration is caught up for what is left of it, an older
# one only skipped and logged, and of several missed runs only the latest
# is caught up.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::Local qw(timegm);
use StreamVault::Test qw(start_stack wait_for slurp http);

my $stack = start_stack(timeout => 180);
my $dir = $stack->dir;
sub sql { $stack->psql($_[0]) }

my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in');
is($stack->api('POST', '/api/users', as => $admin,
               json => { username => 'viewer1', password => 'viewer-password', role => 'viewer' })->{status},
   201, 'a viewer is made');
my $viewer = $stack->login('viewer1', 'viewer-password');
my $alice = sql("INSERT INTO streamers (platform, twitch_id, login) VALUES ('twitch', '1', 'alice') RETURNING id");

sub api { $stack->api(@_) }
sub error_is {
    my ($res, $status, $like, $name) = @_;
    is($res->{status}, $status, "$name: $status")
        or diag(explain($res->{json} // $res->{content}));
    like($res->{json} && $res->{json}{error}{message} // '', $like, "  $name: the explanation")
        if defined $like;
}

# --- the preview ------------------------------------------------------------------

sub epoch { my ($y, $mo, $d, $h, $mi, $s) = $_[0] =~ /(\d+)/g; timegm($s, $mi, $h, $d, $mo - 1, $y) }
sub preview {
    my ($cron, $zone, $from, %o) = @_;
    my %q = (cron => $cron, (defined $zone ? (timezone => $zone) : ()),
             (defined $from ? (from => epoch($from)) : ()));
    return api('GET', '/api/schedules/preview?' . http()->www_form_urlencode(\%q), as => $o{as} // $viewer);
}
sub runs_are {
    my ($cron, $zone, $from, $at, $utc) = @_;
    my $res = preview($cron, $zone, $from);
    is($res->{status}, 200, "preview \"$cron\" in " . ($zone // "UTC (the default)") . " after ${from}Z")
        or return diag(explain($res->{json}));
    is(join(' ', map { $_->{at} } @{ $res->{json}{runs} }), $at, '  local times with their offset');
    is(join(' ', map { $_->{utc} } @{ $res->{json}{runs} }), $utc, '  and in UTC');
}

runs_are('*/15 * * * *', 'UTC', '2026-01-01T00:07:30',
         '2026-01-01T00:15:00Z 2026-01-01T00:30:00Z 2026-01-01T00:45:00Z 2026-01-01T01:00:00Z 2026-01-01T01:15:00Z'
             =~ s/Z/+00:00/gr,
         '2026-01-01T00:15:00Z 2026-01-01T00:30:00Z 2026-01-01T00:45:00Z 2026-01-01T01:00:00Z 2026-01-01T01:15:00Z');
# names, lists, ranges, steps; 2026-01-02 is a Friday
runs_are('0 9-17/4 * JAN,jul mon-fri', 'UTC', '2026-01-02T10:00:00',
         '2026-01-02T13:00:00+00:00 2026-01-02T17:00:00+00:00 2026-01-05T09:00:00+00:00 '
         . '2026-01-05T13:00:00+00:00 2026-01-05T17:00:00+00:00',
         '2026-01-02T13:00:00Z 2026-01-02T17:00:00Z 2026-01-05T09:00:00Z 2026-01-05T13:00:00Z '
         . '2026-01-05T17:00:00Z');
# spring forward in Berlin: 02:30 does not exist on 2026-03-29 and runs at 03:00
runs_are('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00',
         '2026-03-28T02:30:00+01:00 2026-03-29T03:00:00+02:00 2026-03-30T02:30:00+02:00 '
         . '2026-03-31T02:30:00+02:00 2026-04-01T02:30:00+02:00',
         '2026-03-28T01:30:00Z 2026-03-29T01:00:00Z 2026-03-30T00:30:00Z 2026-03-31T00:30:00Z '
         . '2026-04-01T00:30:00Z');
# fall back in New York: 01:30 happens twice on 2026-11-01 and runs once
runs_are('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00',
         '2026-11-01T01:30:00-04:00 2026-11-02T01:30:00-05:00 2026-11-03T01:30:00-05:00 '
         . '2026-11-04T01:30:00-05:00 2026-11-05T01:30:00-05:00',
         '2026-11-01T05:30:00Z 2026-11-02T06:30:00Z 2026-11-03T06:30:00Z 2026-11-04T06:30:00Z '
         . '2026-11-05T06:30:00Z');
runs_are('@yearly', undef, '2026-06-01T00:00:00',
         join(' ', map { "$_-01-01T00:00:00+00:00" } 2027 .. 2031),
         join(' ', map { "$_-01-01T00:00:00Z" } 2027 .. 2031));
my $now = preview('* * * * *', 'Asia/Tokyo');
is($now->{status}, 200, 'the preview from now');
my @next = map { $_->{utc} } @{ $now->{json}{runs} // [] };
is(scalar @next, 5, '  five runs');
ok($next[0] && epoch($next[0]) > time - 1 && epoch($next[0]) <= time + 60, "  the first within a minute: $next[0]");
like($now->{json}{runs}[0]{at} // '', qr/\+09:00$/, '  in Tokyo time');

error_is(preview('0 25 * * *', 'UTC'), 422, qr/^cron: field 2 \(hour\): 25 is out of range 0-23$/,
         'an hour out of range');
error_is(preview('0 0 * * *', 'Mars/Olympus'), 422, qr/^timezone: unknown time zone 'Mars\/Olympus'$/,
         'an unknown time zone');
error_is(preview('0 0 * * *', '../../etc/passwd'), 422, qr/^timezone: .*'\.\.'/, 'a path as the time zone');
error_is(preview('0 0 30 2 *', 'UTC'), 422, qr/^cron: the expression never runs/, 'February 30');
error_is(preview('0 0 * *', 'UTC'), 422, qr/^cron: expected 5 fields/, 'four fields');
error_is(preview('', 'UTC'), 422, qr/^cron: empty expression$/, 'no expression');
error_is(preview("0 0 * * \x{7f}sun", 'UTC'), 422, qr/^cron: field 5 \(day-of-week\): unexpected '\\x7F'/,
         'a control byte is shown escaped');
error_is(api('GET', '/api/schedules/preview?cron=*+*+*+*+*&from=yesterday', as => $viewer), 422,
         qr/^from: /, 'a bad from');
error_is(api('GET', '/api/schedules/preview?cron=*+*+*+*+*'), 401, undef, 'the preview needs a user');

# --- create, list, get, patch, delete --------------------------------------------

sub next_run {
    sql("SELECT to_char(next_run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
           FROM schedules WHERE id = $_[0]");
}

my $made = api('POST', '/api/schedules', as => $admin,
               json => { name => 'Morning show', cron => '0 9 * * mon-fri', timezone => 'Europe/Berlin',
                         duration_s => 3600, streamer_id => $alice + 0 });
is($made->{status}, 201, 'an admin adds a schedule') or diag(explain($made->{json}));
my $s = $made->{json} // {};
my $id = $s->{id};
is($s->{streamer}{login}, 'alice', '  of its streamer');
is($s->{enabled}, JSON::PP::true, '  enabled by default');
my $expected = preview('0 9 * * mon-fri', 'Europe/Berlin')->{json}{runs}[0]{utc};
is(next_run($id), $expected, "  its next run is the preview's first: $expected");

my $url = api('POST', '/api/schedules', as => $admin,
              json => { name => 'Radio', cron => '@daily', duration_s => 60,
                        source_url => 'rtmp://user:secret@127.0.0.1:9/live/radio' });
is($url->{status}, 201, 'a schedule of a source URL') or diag(explain($url->{json}));
is($url->{json}{timezone}, 'UTC', '  in UTC by default');

for my $bad ([ { cron => '0 9 * * mon-fry' }, qr/^cron: field 5 \(day-of-week\): unknown name 'fry'$/ ],
             [ { timezone => 'Europe/Berlinn' }, qr/^timezone: unknown time zone/ ],
             [ { duration_s => 0 }, qr/duration_s must be an integer from 1 to 172800/ ],
             [ { duration_s => 172801 }, qr/duration_s must be an integer from 1 to 172800/ ],
             [ { streamer_id => 999999 }, qr/no streamer 999999/ ],
             [ { source_url => 'https://127.0.0.1/x' }, qr/either streamer_id or source_url/ ],
             [ { source_url => 'ftp://127.0.0.1/x' }, qr/source_url must be a URL starting with http:/, 1 ],
             [ { source_url => 'http://' . ('a' x 2050) }, qr/source_url must have 1 to 2048 characters/, 1 ],
             [ { name => '' }, qr/name must have 1 to 200 characters/ ],
             [ { cron => 5 }, qr/cron must be a string/ ],
             [ { colour => 'red' }, qr/unknown field "colour"/ ]) {
    my ($change, $why, $no_streamer) = @$bad;
    my %body = (name => 'Bad', cron => '0 9 * * *', duration_s => 60, streamer_id => $alice + 0, %$change);
    delete $body{streamer_id} if $no_streamer;
    error_is(api('POST', '/api/schedules', as => $admin, json => \%body), 422, $why,
             'create with ' . JSON::PP->new->canonical->encode($change) =~ s/(.{60}).+/$1.../r);
}
error_is(api('POST', '/api/schedules', as => $viewer,
             json => { name => 'V', cron => '0 99 * * *', duration_s => 60, streamer_id => $alice + 0 }),
         403, qr/admin/, 'a viewer may not create, and learns nothing of the cron first');
error_is(api('POST', '/api/schedules', json => { name => 'V', cron => '* * * * *', duration_s => 60 }),
         401, undef, 'nobody may create');
is(sql('SELECT count(*) FROM schedules'), 2, 'nothing was stored by the refused ones');

my $list = api('GET', '/api/schedules', as => $viewer);
is($list->{status}, 200, 'a viewer lists the schedules');
is($list->{json}{total}, 2, '  two');
is(join(',', map { $_->{name} } @{ $list->{json}{items} }), 'Morning show,Radio', '  sorted by name');
is($list->{json}{items}[1]{source_url}, 'rtmp://***@127.0.0.1:9/live/radio', "  a viewer sees no URL's password");
is(api('GET', "/api/schedules?streamer_id=$alice", as => $viewer)->{json}{total}, 1, '  filtered by streamer');
is(api('GET', '/api/schedules?enabled=false', as => $viewer)->{json}{total}, 0, '  filtered by enabled');
is(api('GET', "/api/schedules/$id", as => $viewer)->{json}{name}, 'Morning show', 'a viewer gets one');
error_is(api('GET', '/api/schedules/999999', as => $viewer), 404, qr/schedule 999999 not found/, 'an unknown one');
error_is(api('GET', '/api/schedules', as => { session => 'A' x 43, csrf => 'B' x 32 }), 401, undef,
         'the list needs a user');

my $patched = api('PATCH', "/api/schedules/$id", as => $admin,
                  json => { cron => '30 2 * * *', timezone => 'America/New_York', name => 'Night' });
is($patched->{status}, 200, 'cron and time zone changed') or diag(explain($patched->{json}));
$expected = preview('30 2 * * *', 'America/New_York')->{json}{runs}[0]{utc};
is(next_run($id), $expected, "  the next run follows: $expected");
error_is(api('PATCH', "/api/schedules/$id", as => $admin, json => { cron => '61 * * * *' }), 422,
         qr/^cron: field 1 \(minute\): 61 is out of range 0-59$/, 'a bad cron alone');
error_is(api('PATCH', "/api/schedules/$id", as => $admin, json => { timezone => 'Nowhere' }), 422,
         qr/^timezone: unknown time zone 'Nowhere'$/, 'a bad time zone alone');
error_is(api('PATCH', "/api/schedules/$id", as => $viewer, json => { cron => '61 * * * *' }), 403, undef,
         'a viewer may not change one');
error_is(api('PATCH', '/api/schedules/999999', as => $admin, json => { name => 'x' }), 404, undef,
         'an unknown one');
my $half = api('PATCH', "/api/schedules/$id", as => $admin, json => { timezone => 'Asia/Tokyo' });
is($half->{status}, 200, 'the time zone alone changed');
$expected = preview('30 2 * * *', 'Asia/Tokyo')->{json}{runs}[0]{utc};
ok(wait_for(sub { next_run($id) eq $expected }, 15),
   "  and the worker computes the next run: $expected");
my $moved = api('PATCH', "/api/schedules/$id", as => $admin, json => { source_url => 'https://127.0.0.1:9/x.m3u8' });
is($moved->{json}{streamer_id}, undef, 'a source URL replaces the streamer');
is(api('PATCH', "/api/schedules/$id", as => $admin, json => { enabled => JSON::PP::false })->{json}{enabled},
   JSON::PP::false, 'disabled');

is(api('DELETE', "/api/schedules/$id", as => $viewer)->{status}, 403, 'a viewer may not delete one');
is(api('DELETE', "/api/schedules/$id", as => $admin)->{status}, 200, 'an admin deletes one');
is(api('GET', "/api/schedules/$id", as => $admin)->{status}, 404, '  it is gone');
is(api('DELETE', "/api/schedules/$id", as => $admin)->{status}, 404, '  and cannot go twice');
sql('DELETE FROM schedules');

# --- firing -------------------------------------------------------------------------

# A second worker races the stack's for every run below.
my $conf = $stack->worker_conf(file => 'second.conf', log_file => "$dir/log/second.log",
                               extra => "worker_id = second\n");
my $second = $stack->spawn_worker('-c', $conf);
ok(wait_for(sub { (slurp("$dir/log/second.log") // '') =~ /connected to Redis/ }, 20), 'a second worker runs');

sub worker_logs { join '', map { slurp("$dir/log/$_") // '' } 'worker.log', 'second.log' }

# A schedule (by SQL: its next run set where the test needs it), its
# recordings and their record jobs.
sub schedule {
    my ($name, $cron, $duration, $next) = @_;
    return sql("INSERT INTO schedules (name, source_url, cron, timezone, duration_s, next_run_at)
                VALUES ('$name', 'http://127.0.0.1:9/$name.m3u8', '$cron', 'Europe/Berlin', $duration,
                        date_trunc('second', now()) + interval '$next seconds') RETURNING id");
}
sub recordings { sql("SELECT count(*) FROM recordings WHERE schedule_id = $_[0]") }
sub record_jobs {
    sql("SELECT count(*) FROM jobs j JOIN recordings r ON r.id = j.recording_id
          WHERE r.schedule_id = $_[0] AND j.type = 'record'");
}

my $due = schedule('due', '0 0 1 1 *', 600, 3);
my $at = sql("SELECT extract(epoch FROM next_run_at)::bigint FROM schedules WHERE id = $due");
ok(wait_for(sub { recordings($due) > 0 }, 15), 'a schedule due in 3 s starts a recording');
ok(time >= $at, '  not before its time');
sleep 6;    # more than a look of both workers
is(recordings($due), 1, '  exactly one, of two workers');
is(record_jobs($due), 1, '  with exactly one record job');
my ($title, $limit) = split /\|/, sql("SELECT title, duration_limit_s FROM recordings WHERE schedule_id = $due");
like($title, qr/^due \d{4}-\d\d-\d\d \d\d:\d\d$/, "  titled with the run's local time: $title");
ok($limit >= 595 && $limit <= 600, "  for its duration: $limit s");
is(sql("SELECT extract(epoch FROM last_fired_at)::bigint FROM schedules WHERE id = $due"), $at,
   '  last_fired_at is the run');
like(sql("SELECT to_char(next_run_at AT TIME ZONE 'Europe/Berlin', 'MM-DD HH24:MI') FROM schedules WHERE id = $due"),
     qr/^01-01 00:00$/, '  the next run is next new year in Berlin');

my $late = schedule('late', '0 0 1 1 *', 600, -120);
ok(wait_for(sub { recordings($late) > 0 }, 15), 'a run missed 2 minutes ago starts at once');
$limit = sql("SELECT duration_limit_s FROM recordings WHERE schedule_id = $late");
ok($limit > 400 && $limit <= 480, "  for what is left of its 10 minutes: $limit s");

my $old = schedule('old', '0 0 1 1 *', 600, -3600);
ok(wait_for(sub { sql("SELECT next_run_at > now() FROM schedules WHERE id = $old") eq 't' }, 15),
   'a run missed an hour ago (10 minutes long) moves on');
is(recordings($old), 0, '  without a recording');
my @skipped = worker_logs() =~ /("msg":"missed schedule runs skipped"[^\n]*"schedule":"$old"[^\n]*)/g;
is(scalar @skipped, 1, '  logged once') or diag(worker_logs());

# Runs in each of the last 5 minutes (of any hour), 5 minutes long, the
# first missed: only the latest starts, though the one before it has not
# ended either; the next is in about an hour.
my $minute = int(time / 60);
my $cron = join(',', map { ($minute - $_) % 60 } reverse 1 .. 5) . ' * * * *';
my $many = sql("INSERT INTO schedules (name, source_url, cron, timezone, duration_s, next_run_at)
                VALUES ('many', 'http://127.0.0.1:9/many.m3u8', '$cron', 'UTC', 300,
                        to_timestamp(" . ($minute - 5) * 60 . ")) RETURNING id");
ok(wait_for(sub { recordings($many) > 0 }, 15), "of the runs of \"$cron\" missed the latest starts");
sleep 6;
is(recordings($many), 1, '  only that one');
$limit = sql("SELECT duration_limit_s FROM recordings WHERE schedule_id = $many");
ok($limit > 150 && $limit <= 240, "  for what is left of it: $limit s");
is(sql("SELECT extract(epoch FROM last_fired_at)::bigint FROM schedules WHERE id = $many"), ($minute - 1) * 60,
   '  last_fired_at is that run');
like(worker_logs(), qr/"msg":"older missed schedule runs skipped"[^\n]*"schedule":"$many"/,
     '  the older ones are logged as skipped');

kill 'TERM', $second;
is($stack->reap($second, 20), 0, 'the second worker stops cleanly');

done_testing;
