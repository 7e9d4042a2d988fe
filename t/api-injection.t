# Hostile input in every kind of parameter, through nginx: path, query and
# body values with quotes, semicolons, SQL, LIKE wildcards, backslashes,
# unicode, control characters, huge numbers and nested JSON. Nothing may
# answer 5xx; a refused request changes nothing; an accepted value is
# stored as the literal data it was.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use IPC::Open2 qw(open2);
use JSON::PP;
use StreamVault::Test qw(start_stack);

sub enc {
    my ($s) = @_;
    utf8::encode($s);
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

my $stack = start_stack();
my $admin = $stack->login('admin', $stack->admin_password);

my $alpha = $stack->api('POST', '/api/streamers', as => $admin,
                        json => { login => 'alpha', twitch_id => '1001', display_name => 'Alpha' })->{json};
my $viewer = $stack->api('POST', '/api/users', as => $admin,
                         json => { username => 'viewer1', password => 'viewer password', role => 'viewer' })->{json};
ok($alpha->{id} && $viewer->{id}, 'fixtures');

# Everything that matters, in one digest; time stamps left out. One psql
# process answers them all: there are thousands.
my $psql_pid = open2(my $psql_out, my $psql_in, 'psql', '-XAtq', '-h', $stack->pg_socket,
                     '-U', 'streamvault', '-d', 'streamvault');
StreamVault::Test::track_child($psql_pid);
sub snapshot {
    print {$psql_in} q{SELECT md5(concat_ws('|',
        (SELECT string_agg(concat_ws(',', id, username, role, disabled, password_hash), ';' ORDER BY id) FROM users),
        (SELECT string_agg(concat_ws(',', id, platform, login, twitch_id, display_name, description, source_url,
                                     enabled, quality, filename_template, retention, chat_archive, proxy_url),
                           ';' ORDER BY id) FROM streamers),
        (SELECT string_agg(concat_ws(',', id, name, prefix, token_hash, scopes, revoked_at), ';' ORDER BY id) FROM api_tokens),
        (SELECT string_agg(concat_ws(',', key, value), ';' ORDER BY key) FROM settings),
        (SELECT count(*) FROM sessions), (SELECT count(*) FROM jobs), (SELECT count(*) FROM recordings),
        (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')));}, "\n";
    $psql_in->flush;
    chomp(my $digest = <$psql_out>);
    return $digest;
}

my @strings = (
    q{' OR '1'='1}, q{'; DROP TABLE streamers; --}, q{"; DELETE FROM users; --}, q{1; SELECT pg_sleep(5)},
    q{$$; DROP TABLE users; $$}, q{%}, q{_}, q{%_%}, q{\\}, q{\\'}, q{Robert'); DROP TABLE users;--},
    "\x{1F4A5} \x{fc} \x{202e} \x{65e5}\x{672c}", "tab\there", 'x' x 10000, q{{"a":1}}, q{1e400},
);
my @numbers = ('1e400', '99999999999999999999', '-1', '0', '1.5', '-0', '1e-400');
my @shapes = ('{"nested":{"deep":[1,2,{"x":"\'; DROP TABLE users; --"}]}}', '[1,2,3]', 'null', 'true', '[]', '{}');
my @values = ((map { JSON::PP->new->utf8->allow_nonref->encode($_) } @strings), @numbers, @shapes);

my $current = snapshot();
my $tables = $stack->psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
like($current, qr/^[0-9a-f]{32}$/, 'the data has a digest');
my ($cases, $fivexx) = (0, 0);

# Sends one request; checks no 5xx, and unchanged data when refused.
sub probe {
    my ($method, $path, $raw_body, $what) = @_;
    my $res = $stack->api($method, $path, as => $admin,
                          defined $raw_body ? (body => $raw_body, headers => { 'Content-Type' => 'application/json' }) : ());
    $cases++;
    if ($res->{status} >= 500) {
        $fivexx++;
        fail("$what: $res->{status} " . substr($res->{content} // '', 0, 200));
    }
    my $after = snapshot();
    if ($res->{status} >= 400) {
        if ($after ne $current) {
            fail("$what: refused with $res->{status} but the data changed");
        }
    }
    $current = $after;
    return $res;
}

# Path parameters: whatever is not a positive id is no route.
for my $v (@strings, @numbers, '../1', '%00', '1 OR 1=1') {
    my $enc = enc($v);
    for my $path ("/api/streamers/$enc", "/api/users/$enc", "/api/jobs/$enc/retry") {
        my $res = probe($path =~ /retry/ ? 'POST' : 'GET', $path, $path =~ /retry/ ? '{}' : undef,
                        'path ' . substr($path, 0, 60));
        # 414: nginx's own limit on the request line
        fail('path ' . substr($path, 0, 60) . " answered $res->{status}")
            unless $res->{status} == 404 || $res->{status} == 414;
    }
}

# Query parameters: 200 or 400, never more.
for my $v (@strings, @numbers, 'true', 'false', '') {
    my $enc = enc($v);
    for my $q (qw(q limit offset enabled live platform)) {
        probe('GET', "/api/streamers?$q=$enc", undef, "query $q");
    }
    for my $q (qw(streamer_id state from to q)) {
        probe('GET', "/api/recordings?$q=$enc", undef, "query $q");
    }
    probe('GET', "/api/jobs?state=$enc&type=$enc&recording_id=$enc", undef, 'jobs query');
    probe('GET', "/api/settings/template_preview?template=$enc&streamer_id=$enc", undef, 'template preview query');
}

# Body fields of every write route.
my %routes = (
    'POST /api/streamers' => [ { login => 'probe', twitch_id => '2002' },
        qw(login twitch_id display_name description platform source_url quality filename_template retention
           chat_archive proxy_url enabled) ],
    "PATCH /api/streamers/$alpha->{id}" => [ {},
        qw(display_name description quality filename_template retention chat_archive proxy_url enabled) ],
    'POST /api/streamers/bulk' => [ { ids => [$alpha->{id}], enabled => JSON::PP::true }, qw(ids enabled) ],
    'PUT /api/settings' => [ {}, 'twitch.client_id', 'public_base_url', 'storage.filename_template',
        'retention.max_age_days', 'recording.quality', 'recording.rollover_hours', 'recording.proxy_url' ],
    'POST /api/users' => [ { username => 'probeuser', password => 'probe password' }, qw(username role disabled) ],
    "PATCH /api/users/$viewer->{id}" => [ {}, qw(role disabled) ],
    'POST /api/tokens' => [ { name => 'probe', scopes => ['read'] }, qw(name scopes expires_in_days) ],
);
my $json = JSON::PP->new->utf8->canonical->allow_nonref;
for my $route (sort keys %routes) {
    my ($method, $path) = split ' ', $route;
    my ($base, @fields) = @{ $routes{$route} };
    for my $field (@fields) {
        for my $v (@values) {
            my %body = (%$base);
            delete $body{$field};
            my $text = $json->encode(\%body);
            my $inner = $json->encode($field) . ':' . $v;
            $text = '{' . $inner . (keys %body ? ',' : '') . substr($text, 1);
            my $res = probe($method, $path, $text, "$route $field");
            next unless $res->{status} < 300;
            # Accepted: a string was stored as that string.
            my $sent = eval { $json->decode($v) };
            if (defined $sent && !ref $sent && $v =~ /^"/ && ref $res->{json} eq 'HASH'
                && exists $res->{json}{$field} && !ref $res->{json}{$field}) {
                is($res->{json}{$field}, $sent, "$route $field: stored literally") if $field ne 'login';
            }
            # Undo what was created, so each case starts alike.
            if ($method eq 'POST' && $res->{json}{id} && $path ne '/api/streamers/bulk') {
                my %table = ('/api/streamers' => 'streamers', '/api/users' => 'users', '/api/tokens' => 'api_tokens');
                $stack->psql("DELETE FROM $table{$path} WHERE id = " . ($res->{json}{id} + 0));
                $current = snapshot();
            }
        }
    }
}

is($fivexx, 0, "no 5xx in $cases hostile requests");
is($stack->psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), $tables,
   "every table is still there ($tables)");
is($stack->psql("SELECT count(*) FROM users WHERE role = 'admin'"), 1, 'one admin, as before');
is($stack->login('admin', $stack->admin_password)->{status}, 200, 'and it still logs in');

done_testing;
