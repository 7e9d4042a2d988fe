# The settings the web UI's settings page needs API support for, against a
# whole stack (PostgreSQL, Redis, nginx, the sanitizer worker).
#
# GET /api/settings/template_preview: admins only (a viewer learns nothing,
# not even a template's verdict); a sample set of values without
# recordings; each syntax error with its byte position, the explanation
# PUT /api/settings gives for storage.filename_template; what SQL refuses
# ("..", control characters) refused alike; hostile query strings bounded.
# The path is the one the worker writes: a recording of a streamer with a
# hostile name and a long hostile title, recorded and post-processed by
# the worker, lands at exactly the previewed path (before and after its
# episode is numbered), under a global template with every placeholder.
#
# recording.proxy_url: validated as a streamer's proxy, shown without its
# user and password (the masked form sent back keeps them), and the
# recorder's claim gives it to recordings whose streamer has none, the
# streamer's own otherwise; that recording is fetched through it, with
# its credentials (the origin's host does not even resolve).
use strict;
use warnings;
use utf8;
use lib 't/lib';
use Test::More;
use JSON::PP ();
use Encode qw(decode_utf8 encode_utf8);
use File::Path qw(make_path);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use POSIX ();
use StreamVault::Test qw(start_stack wait_for run_cmd slurp http);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $stack = start_stack(timeout => 200);
my $dir = $stack->dir;
sub api { $stack->api(@_) }
sub sql { decode_utf8($stack->psql($_[0])) }

my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in');
is(api('POST', '/api/users', as => $admin,
       json => { username => 'viewer1', password => 'viewer-password', role => 'viewer' })->{status},
   201, 'a viewer is made');
my $viewer = $stack->login('viewer1', 'viewer-password');

sub error_is {
    my ($res, $status, $message, $name) = @_;
    is($res->{status}, $status, "$name: $status") or diag(explain($res->{json} // $res->{content}));
    my $got = $res->{json} ? $res->{json}{error}{message} // '' : '';
    ref $message ? like($got, $message, "  $name: the explanation")
                 : is($got, $message, "  $name: the explanation");
}

sub preview {
    my (%q) = @_;
    my $as = delete $q{as} // $admin;
    return api('GET', '/api/settings/template_preview?' . http()->www_form_urlencode(\%q), as => $as);
}

sub put_settings { api('PUT', '/api/settings', as => $admin, json => $_[0]) }

# a value as a test's name: quoted, short, control characters shown
sub shown {
    my ($v) = @_;
    $v = substr($v, 0, 40) . '...' if length $v > 40;
    return '"' . ($v =~ s/([[:cntrl:]])/sprintf '\\x%02X', ord $1/ger) . '"';
}

# --- the preview: who, and the sample -------------------------------------------------

error_is(api('GET', '/api/settings/template_preview'), 401, 'authentication required', 'nobody');
error_is(preview(as => $viewer), 403, 'this needs the admin role', 'a viewer');
error_is(preview(template => '{nope}', as => $viewer), 403, 'this needs the admin role',
         'a viewer learns nothing of a bad template');

my @now = gmtime;
my $ym = sprintf '%04d%02d', $now[5] + 1900, $now[4] + 1;
my $sample = preview();
is($sample->{status}, 200, 'no template, no recording: 200') or diag(explain($sample->{json}));
is($sample->{json}{path}, "library/Example Streamer/Season $ym/Example Streamer - S${ym}E01 - Example stream title.mp4",
   '  the default template with a clearly sample set');
is($sample->{json}{template}, '{streamer}/Season {season}/{streamer} - S{season}E{episode} - {title}',
   '  which template it was');
is_deeply([@{ $sample->{json} }{qw(sample recording_id)}, $sample->{json}{values}{streamer}],
          [JSON::PP::true, undef, 'Example Streamer'], '  said to be a sample');
my $typed = preview(template => '{date}/{time} {id}/{title}');
is($typed->{status}, 200, 'a typed template');
like($typed->{json}{path}, qr{^library/\d{4}-\d\d-\d\d/\d{6} 123/Example stream title\.mp4$}, "  its path: $typed->{json}{path}");
is($typed->{json}{template}, '{date}/{time} {id}/{title}', '  and the template');

# --- errors: the syntax (C), then the rules SQL keeps; PUT explains the same ----------

for my $case (['{nope}', "unknown placeholder {nope} at byte 0"],
              ['a{title', "unbalanced '{' at byte 1"],
              ['Season {season}/x}', "unbalanced '}' at byte 17"],
              ['{streamer}{title', "unbalanced '{' at byte 10"],
              ['a/b/c/d/e/f/g/h/i/{title}', "more than 8 '/' (at byte 17)"],
              ['t' x 513, 'a template must be 1..512 bytes'],
              ["{ti\x{1}tle}", "unknown placeholder {ti\x{1}tle} at byte 0"],
              ['{' . ('x' x 100) . '}', 'unknown placeholder {' . ('x' x 32) . '} at byte 0']) {
    my ($tmpl, $why) = @$case;
    error_is(preview(template => $tmpl), 422, "template: $why", 'preview of ' . shown($tmpl));
    error_is(put_settings({ 'storage.filename_template' => $tmpl }), 422,
             "storage.filename_template: $why", "  PUT explains it the same");
}
for my $case (['../{title}', 'must be a relative path without ".." or backslashes'],
              ['/{title}', 'must be a relative path without ".." or backslashes'],
              ['a\\{title}', 'must be a relative path without ".." or backslashes'],
              ["{title}\x{7}", 'must not contain control characters']) {
    my ($tmpl, $why) = @$case;
    error_is(preview(template => $tmpl), 422, "template $why", 'preview of ' . shown($tmpl));
    error_is(put_settings({ 'storage.filename_template' => $tmpl }), 422,
             "storage.filename_template $why", '  PUT refuses it alike');
}
my $twice = api('PUT', '/api/settings', as => $admin,
                body => '{"storage.filename_template":"{title}","storage.filename_template":"{x}"}',
                headers => { 'Content-Type' => 'application/json' });
error_is($twice, 422, 'storage.filename_template: unknown placeholder {x} at byte 0',
         'PUT checks every copy of the key, not only the first');
is(sql(q{SELECT count(*) FROM settings WHERE key = 'storage.filename_template'}), 0, 'nothing refused was stored');
error_is(api('GET', '/api/settings/template_preview?template=' . ('a' x 5000), as => $admin), 400,
         'malformed query string', 'a query string over 4 KiB');
error_is(preview(streamer_id => 'x'), 400, 'query parameter streamer_id must be an integer from 1 to 9007199254740991',
         'a streamer id that is no number');
error_is(preview(streamer_id => 999999), 404, 'streamer 999999 not found', 'an unknown streamer');
error_is(api('GET', '/api/settings/template_preview?template=%00', as => $admin), 400, 'malformed query string',
         'a NUL');

# --- a global proxy ------------------------------------------------------------------

# The proxy serves a finished HLS stream of ffmpeg's for any host, so the
# origin (media.invalid) is reached only through it; each request line is
# logged with its credentials.
my $origin = "$dir/origin";
make_path($origin);
my $gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                   '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30', '-f', 'lavfi', '-i', 'sine',
                   '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac',
                   '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
                   '-hls_segment_filename', "$origin/seg%d.ts", "$origin/index.m3u8"], timeout => 60);
is($gen->{status}, 0, 'ffmpeg made an HLS stream') or diag $gen->{err};
my $proxy_log = "$dir/proxy.log";
my $proxy = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16, ReuseAddr => 1)
    or die "proxy: $!";
my $proxy_pid = fork // die;
if ($proxy_pid == 0) {
    while (my $c = $proxy->accept) {
        my ($line, $auth) = (scalar <$c> // '', '-');
        while (my $h = <$c>) {
            last if $h =~ /^\r?\n$/;
            $auth = $1 if $h =~ /^Proxy-Authorization:\s*(.+?)\r?$/i;
        }
        my ($path) = $line =~ m{^GET http://media\.invalid/live/([\w.]+) HTTP/1};
        my $body = defined $path ? slurp("$origin/$path") : undef;
        open my $log, '>>', $proxy_log;
        print {$log} ($line =~ s/\r?\n//r), " $auth\n";
        close $log;
        print {$c} defined $body
            ? "HTTP/1.1 200 OK\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body"
            : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        close $c;
    }
    POSIX::_exit(0);
}
StreamVault::Test::track_child($proxy_pid);
my $port = $proxy->sockport;

for my $case ([ 'ftp://127.0.0.1/', 'recording.proxy_url must be a URL starting with http://, https://, socks5://, socks5h://' ],
              [ 'http://', 'recording.proxy_url is not a valid URL' ],
              [ 'http://a b:1', 'recording.proxy_url is not a valid URL' ],
              [ "http://a\n:1", 'recording.proxy_url must not contain control characters' ],
              [ 'http://' . ('a' x 2050), 'recording.proxy_url must have 1 to 2048 characters' ],
              [ 5, 'recording.proxy_url must be a string' ]) {
    error_is(put_settings({ 'recording.proxy_url' => $case->[0] }), 422, $case->[1],
             'proxy ' . shown($case->[0]));
}
is(api('GET', '/api/settings', as => $admin)->{json}{'recording.proxy_url'}, undef, 'no proxy by default');
my $set = put_settings({ 'recording.proxy_url' => "http://user:s%40cret\@127.0.0.1:$port" });
is($set->{status}, 200, 'an admin sets a proxy with a user and password') or diag(explain($set->{json}));
is($set->{json}{'recording.proxy_url'}, "http://***\@127.0.0.1:$port", '  the answer hides them');
is(api('GET', '/api/settings', as => $admin)->{json}{'recording.proxy_url'}, "http://***\@127.0.0.1:$port",
   '  so does GET /api/settings');
is(sql(q{SELECT value #>> '{}' FROM settings WHERE key = 'recording.proxy_url'}),
   "http://user:s%40cret\@127.0.0.1:$port", '  the worker gets them');
put_settings({ 'recording.proxy_url' => "socks5h://***\@127.0.0.1:1" });
is(sql(q{SELECT value #>> '{}' FROM settings WHERE key = 'recording.proxy_url'}),
   'socks5h://user:s%40cret@127.0.0.1:1', 'what GET showed, sent back changed, keeps the user and password');
put_settings({ 'recording.proxy_url' => "http://***\@127.0.0.1:$port" });

# The recorder's claim: the streamer's own proxy, else the global one (also
# without a streamer), none when neither is set.
my $own = sql(q{INSERT INTO streamers (platform, login, source_url, proxy_url) VALUES
                ('url', 'own', 'http://own.invalid/a.m3u8', 'socks5://own.example:1080') RETURNING id});
my $plain = sql(q{INSERT INTO streamers (platform, login, source_url) VALUES
                  ('url', 'plain', 'http://plain.invalid/a.m3u8') RETURNING id});
sub claim_proxy {
    my ($column, $value) = @_;
    my $rec = sql("INSERT INTO recordings (state, $column) VALUES ('pending', $value) RETURNING id");
    my $proxy = sql("SELECT coalesce(recorder.claim($rec, 'claim-test', 300) ->> 'proxy', 'none')");
    sql("UPDATE recordings SET state = 'failed' WHERE id = $rec");
    return $proxy;
}
is(claim_proxy(streamer_id => $own), 'socks5://own.example:1080', "claim: a streamer's own proxy");
is(claim_proxy(streamer_id => $plain), "http://user:s%40cret\@127.0.0.1:$port",
   'claim: the global one for a streamer without');
is(claim_proxy(source_url => q{'http://x.invalid/a.m3u8'}), "http://user:s%40cret\@127.0.0.1:$port",
   'claim: and for a source URL');
put_settings({ 'recording.proxy_url' => undef });
is(claim_proxy(streamer_id => $plain), 'none', 'claim: none once the setting is reset');
is(api('GET', '/api/settings', as => $admin)->{json}{'recording.proxy_url'}, undef, '  GET shows it reset');
put_settings({ 'recording.proxy_url' => "http://user:s%40cret\@127.0.0.1:$port" });

# The recording defaults: a part's length for every worker, the quality of
# streamers added without one.
my $claim_of = sub {
    my $rec = sql("INSERT INTO recordings (state, streamer_id) VALUES ('pending', $plain) RETURNING id");
    my $c = sql("SELECT recorder.claim($rec, 'claim-test', 300)");
    sql("UPDATE recordings SET state = 'failed' WHERE id = $rec");
    return JSON::PP::decode_json($c);
};
ok(!exists $claim_of->()->{rollover_s}, 'claim: no rollover_s while recording.rollover_hours is not set');
is(put_settings({ 'recording.rollover_hours' => 2 })->{status}, 200, 'recording.rollover_hours set to 2');
is($claim_of->()->{rollover_s}, 7200, 'claim: rollover_s 7200');
put_settings({ 'recording.rollover_hours' => undef });
ok(!exists $claim_of->()->{rollover_s}, '  gone once it is reset');
is(put_settings({ 'recording.quality' => '720p60,best' })->{status}, 200, 'recording.quality set');
my $q = api('POST', '/api/streamers', as => $admin,
            json => { platform => 'url', login => 'qdefault', source_url => 'http://q.invalid/a.m3u8' });
is($q->{json}{quality}, '720p60,best', 'a streamer added without a quality gets it') or diag $q->{content};
$q = api('POST', '/api/streamers', as => $admin,
         json => { platform => 'url', login => 'qown', source_url => 'http://q.invalid/b.m3u8', quality => 'worst' });
is($q->{json}{quality}, 'worst', '  one added with its own keeps that');
put_settings({ 'recording.quality' => undef });
$q = api('POST', '/api/streamers', as => $admin,
         json => { platform => 'url', login => 'qbest', source_url => 'http://q.invalid/c.m3u8' });
is($q->{json}{quality}, 'best', '  and without the setting: best');

# --- the previewed path is the worker's ------------------------------------------------

my $tmpl = '{streamer}/{date} {time} #{id}/{streamer} - S{season}E{episode} - {title}';
is(put_settings({ 'storage.filename_template' => $tmpl })->{status}, 200, 'a global template with every placeholder');
is(preview(template => '')->{json}{template}, '{streamer}/Season {season}/{streamer} - S{season}E{episode} - {title}',
   '  an empty template is the default (what the global field falls back to)');
$stack->psql(q{UPDATE settings SET value = '"{login}/{yyyy}"' WHERE key = 'storage.filename_template'});
error_is(preview(streamer_id => $plain), 422, 'template: unknown placeholder {login} at byte 0',
         'a stored template that is no template (set before they were checked)');
is(put_settings({ 'storage.filename_template' => $tmpl })->{status}, 200, '  set right again');
my $made = api('POST', '/api/streamers', as => $admin,
               json => { platform => 'url', login => 'hostile', source_url => 'http://media.invalid/live/index.m3u8',
                         display_name => 'Ålice/../<Bob> :*? CON' });
is($made->{status}, 201, 'a streamer with a hostile name') or diag(explain($made->{json}));
my $sid = $made->{json}{id};

my $before = preview(streamer_id => $sid);
is($before->{status}, 200, 'the streamer has no recording yet');
is($before->{json}{values}{streamer}, 'Ålice/../<Bob> :*? CON', '  its name');
is($before->{json}{template}, $tmpl, '  the global template, the streamer having none');
like($before->{json}{path}, qr{^library/Ålice_\.\.__Bob_ ___ CON/}, '  its folder made safe');
ok($before->{json}{sample}, '  the rest a sample');

my $title = q{../../etc/passwd <a|b> "quoted" } . ('ü' x 120) . ' end';
my $start = api('POST', '/api/recordings', as => $admin, json => { streamer_id => $sid + 0, title => $title });
is($start->{status}, 202, 'a recording with a long hostile title') or diag(explain($start->{json}));
my $rec = $start->{json}{recording_id};
ok(wait_for(sub { sql("SELECT started_at IS NOT NULL FROM recordings WHERE id = $rec") eq 't' }, 30),
   '  the worker claims it');
my $expected = preview(streamer_id => $sid);
is($expected->{json}{recording_id}, $rec, '  the preview takes its values');
is_deeply([@{ $expected->{json}{values} }{qw(id episode)}], ["$rec", 1], '  its id and the episode it will get');
like($expected->{json}{path}, qr{^library/Ålice_\.\.__Bob_ ___ CON/\d{4}-\d\d-\d\d \d{6} #$rec/Ålice_\.\.__Bob_ ___ CON - S\d{6}E01 - \.\._\.\._etc_passwd _a_b_ _quoted_ ü+\.mp4$},
     "  the path: $expected->{json}{path}");
my @parts = split m{/}, $expected->{json}{path};
ok(length(encode_utf8($parts[-1])) <= 231 + 4, '  the name cut so that every sidecar fits ('
   . length(encode_utf8($parts[-1])) . ' bytes)');
is(preview(streamer_id => $sid, template => $tmpl)->{json}{path}, $expected->{json}{path},
   '  the same template typed gives the same');

ok(wait_for(sub { sql("SELECT state FROM recordings WHERE id = $rec") =~ /^(ready|failed)$/ }, 120),
   'the recording ended and was post-processed');
is(sql("SELECT state || ' ' || coalesce(error, '') FROM recordings WHERE id = $rec"), 'ready ', '  ready');
is(sql("SELECT file_path FROM recordings WHERE id = $rec"), $expected->{json}{path},
   'the worker wrote the video at exactly the previewed path');
ok(-s encode_utf8("$dir/media/$expected->{json}{path}"), '  the file is there');
is(preview(streamer_id => $sid)->{json}{path}, $expected->{json}{path}, '  and the preview of the numbered recording agrees');
is(preview()->{json}{recording_id}, $rec, 'without a streamer the newest recording at all');

my $through = slurp($proxy_log) // '';
my $basic = encode_base64('user:s@cret', '');
like($through, qr{^GET http://media\.invalid/live/index\.m3u8 HTTP/1\.1 Basic \Q$basic\E$}m,
     'the playlist came through the global proxy, with its credentials');
is(scalar(() = $through =~ m{^GET http://media\.invalid/live/seg\d\.ts \S+ Basic \Q$basic\E$}mg), 4,
   '  and the four segments');

# A streamer's own template is judged by the same code before it is saved
# (every copy of the key: PostgreSQL keeps the last).
my $save = sub { api($_[0], $_[1], as => $admin, json => $_[2]) };
my $bad = $save->('POST', '/api/streamers', { platform => 'url', login => 'tmplcheck',
                                             source_url => 'http://127.0.0.1:9/x.m3u8',
                                             filename_template => '{login}/x' });
is($bad->{status}, 422, "a streamer's template with an unknown placeholder is refused") or diag $bad->{content};
like($bad->{json}{error}{message}, qr/^filename_template: unknown placeholder \{login\}/, '  saying which');
my $good = $save->('POST', '/api/streamers', { platform => 'url', login => 'tmplcheck',
                                              source_url => 'http://127.0.0.1:9/x.m3u8',
                                              filename_template => '{streamer}/{date} {title}' });
is($good->{status}, 201, '  a good one is saved') or diag $good->{content};
is($save->('PATCH', "/api/streamers/$good->{json}{id}", { filename_template => '{streamer}/{oops' })->{status}, 422,
   '  a change to a broken one is refused');
is(api('PATCH', "/api/streamers/$good->{json}{id}", as => $admin,
       body => '{"filename_template":"{streamer}","filename_template":"{nope}"}',
       headers => { 'Content-Type' => 'application/json' })->{status}, 422, '  also as the last copy of the key');
is(sql("SELECT filename_template FROM streamers WHERE id = $good->{json}{id}"), '{streamer}/{date} {title}',
   '  and the saved one stays');

done_testing;
