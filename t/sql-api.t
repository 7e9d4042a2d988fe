# The API functions of sql/002_api.sql against a real PostgreSQL, called the
# way the module calls them: SELECT api.<route>(api.authorize($1, '<role>')).
# The test plays the module's part (hashing tokens, checking passwords with
# crypt) and checks answers, error SQLSTATE/HINT/DETAIL, and that refused
# input (injection attempts included) never changes a row.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex);
use IPC::Open2 qw(open2);
use JSON::PP;
use StreamVault::Test qw(start_stack run_cmd worker_bin slurp);

my $stack = start_stack(only => 'pg redis');
my $migrated = run_cmd([worker_bin(), '-c', $stack->worker_conf(log_file => 'stderr'), '--migrate-only'],
                       timeout => 60);
is($migrated->{status}, 0, 'migrations apply')
    or BAIL_OUT("migrations failed: $migrated->{out}$migrated->{err}");

# psql speaks UTF-8; everything sent is ASCII with \u escapes.
my $json = JSON::PP->new->utf8->canonical->ascii->allow_nonref;
binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

# --- one psql session for the whole file -------------------------------------------
# Each statement autocommits, as the module's calls do. A marker after every
# statement tells where its output ends; errors go to a file.

my $errfile = $stack->dir . '/psql-session.err';
open my $errfh, '>', $errfile or die "$errfile: $!";
close $errfh;
my $psql_pid = open2(my $from_psql, my $to_psql, 'sh', '-c',
    'exec psql -XAtq -h "$1" -U streamvault -d streamvault 2>>"$2"', 'sh', $stack->pg_socket, $errfile);
my $err_seen = 0;
my @notifications;

sub sql {
    my ($s) = @_;
    $s =~ s/;?\s*\z/;/;
    print {$to_psql} "$s\n\\echo __SV_END__\n";
    $to_psql->flush;
    my @lines;
    while (1) {
        my $line = <$from_psql>;
        die "psql ended\n" unless defined $line;
        chomp $line;
        last if $line eq '__SV_END__';
        if ($line =~ /^Asynchronous notification "([^"]+)" with payload "(.*)" received/) {
            push @notifications, [$1, $2];
            next;
        }
        push @lines, $line;
    }
    my $errors = slurp($errfile) // '';
    if (length($errors) > $err_seen) {
        my $new = substr($errors, $err_seen);
        $err_seen = length $errors;
        die "SQL failed: $new\nin: " . substr($s, 0, 500) . "\n";
    }
    return join "\n", @lines;
}

# A dollar-quoted literal (the test's own values; the tag never occurs in them).
sub lit {
    my ($text) = @_;
    die 'tag in text' if $text =~ /\$svq\$/;
    return "\$svq\$$text\$svq\$";
}

# t.call runs one route the module's way and returns {"ok": answer} or
# {"error": {"state", "message", "hint", "detail"}}; a failed call is rolled
# back as the module's failed statement is.
sql(<<'SQL');
CREATE SCHEMA t;
CREATE FUNCTION t.call(fn text, p jsonb, role text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r jsonb; st text; msg text; hint text; det text;
BEGIN
    IF fn = 'authorize' THEN
        r := api.authorize(p, role);
    ELSIF role IS NULL THEN
        EXECUTE format('SELECT api.%I($1)', fn) INTO r USING p;
    ELSE
        EXECUTE format('SELECT api.%I(api.authorize($1, $2))', fn) INTO r USING p, role;
    END IF;
    RETURN jsonb_build_object('ok', r);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            hint = PG_EXCEPTION_HINT, det = PG_EXCEPTION_DETAIL;
    RETURN jsonb_build_object('error', jsonb_build_object('state', st, 'message', msg,
                                                         'hint', hint, 'detail', det));
END
$$;
CREATE FUNCTION t.checksum() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM users x),
        (SELECT string_agg(x::text, ',' ORDER BY x.token_hash) FROM sessions x),
        (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM api_tokens x),
        (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM streamers x),
        (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM recordings x),
        (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM jobs x),
        (SELECT string_agg(x::text, ',' ORDER BY x.key) FROM settings x)))
$$;
SQL

# call($fn, $p, $role) with $p a hash or raw JSON text; $role undef = public.
sub call {
    my ($fn, $p, $role) = @_;
    my $text = ref $p ? $json->encode($p) : $p;
    my $out = sql(sprintf('SELECT t.call(%s, %s::jsonb, %s)', lit($fn), lit($text),
                          defined $role ? lit($role) : 'NULL'));
    return decode_json_line($out);
}

sub decode_json_line {
    my ($line) = @_;
    my $v = eval { $json->decode($line) };
    die "not JSON: $line\n" unless $v;
    return $v;
}

# Expects success; returns the answer.
sub ok_call {
    my ($name, $fn, $p, $role) = @_;
    my $r = call($fn, $p, $role);
    ok(exists $r->{ok} && defined $r->{ok}, $name)
        or diag(explain($r->{error} // $r));
    return $r->{ok};
}

# Expects the error SV<status> with HINT $code; returns the error.
sub err_call {
    my ($name, $status, $code, $fn, $p, $role) = @_;
    my $r = call($fn, $p, $role);
    my $e = $r->{error} // {};
    ok($r->{error} && $e->{state} eq "SV$status" && ($e->{hint} // '') eq $code,
       "$name -> $status $code")
        or diag(explain($r));
    return $e;
}

sub checksum { sql('SELECT t.checksum()') }

# --- the module's part ---------------------------------------------------------------

sub random_hex { join '', map { sprintf '%02x', int rand 256 } 1 .. $_[0] }
sub yescrypt {
    my ($password) = @_;
    my @c = ('.', '/', 0 .. 9, 'A' .. 'Z', 'a' .. 'z');
    return crypt($password, '$y$j9T$' . join '', map { $c[rand @c] } 1 .. 16);
}

my %auth_none = (kind => 'none', method => 'GET', ip => '127.0.0.1');

# The request document for a session or token context.
sub req {
    my ($ctx, $method, %o) = @_;
    my %auth = $ctx
        ? (kind => $ctx->{kind}, token_hash => $ctx->{hash}, method => $method, ip => '127.0.0.1',
           csrf => ($method =~ /^(GET|HEAD)$/ ? undef : $ctx->{csrf}))
        : (%auth_none, method => $method);
    return { auth => \%auth, params => $o{params} // {}, query => $o{query} // {},
             body => $o{body}, %{ $o{extra} // {} } };
}

# Logs in as the module does; returns the session context or the error.
sub login {
    my ($username, $password, %o) = @_;
    my $begin = call('login_begin', req(undef, 'POST', body => { username => $username,
                                                                password => $password }));
    return $begin if $begin->{error};
    my $hash = $begin->{ok}{password_hash};
    my $ok = crypt($password, $hash) eq $hash ? JSON::PP::true : JSON::PP::false;
    my $token = random_hex(32);
    my $csrf = random_hex(16);
    my $finish = call('login_finish', req(undef, 'POST', body => {
        user_id => $begin->{ok}{user_id}, ok => $ok, token_hash => sha256_hex($token),
        csrf_token => $csrf, user_agent => "test\x01agent" . ('x' x 600) }));
    return $finish if $finish->{error};
    return { kind => 'session', hash => sha256_hex($token), csrf => $csrf,
             user => $finish->{ok}{user}, answer => $finish->{ok}, begin => $begin->{ok} };
}

# --- the functions are what the route table expects -------------------------------------

my @routes = qw(
    authorize login_begin login_finish auth_logout auth_me auth_password_begin auth_password_finish
    users_list users_get users_create users_update users_delete
    tokens_list tokens_create tokens_revoke
    streamers_list streamers_get streamers_create streamers_update streamers_delete streamers_bulk
    recordings_list recordings_get recordings_delete recordings_import recordings_postprocess
    recordings_start recordings_stop recordings_active recordings_media
    shares_create shares_list shares_revoke shared_media streamers_media
    schedules_list schedules_get schedules_create schedules_update schedules_delete schedules_preview
    jobs_list jobs_stats jobs_retry jobs_cancel
    twitch_subscriptions twitch_resubscribe
    settings_get settings_put system_status events_open
    settings_template_preview
    recordings_categories
    twitch_lookup);
is(sql(q{SELECT string_agg(p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')->'
                          || format_type(p.prorettype, NULL), ' ' ORDER BY p.proname)
           FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace}),
   join(' ', map { $_ eq 'authorize' ? 'authorize(p jsonb, role text)->jsonb' : "$_(p jsonb)->jsonb" }
             sort @routes),
   'schema api holds exactly the route functions, each (p jsonb) -> jsonb');
is(sql(q{SELECT coalesce(string_agg(n.nspname || '.' || p.proname, ' '), '') FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname IN ('api', 'api_internal')
            AND NOT coalesce(p.proconfig @> '{"search_path=public, pg_temp"}', false)
            AND p.proname NOT IN ('mask_url', 'out_user', 'out_token', 'out_streamer',
                                  'out_recording', 'out_job', 'out_schedule', 'out_subscription',
                                  'recording_matches')}),
   '', 'every function but the inlined formatters and filter sets search_path = public, pg_temp');
is(sql(q{SELECT count(*) FROM pg_proc p WHERE p.pronamespace IN ('api'::regnamespace,
         'api_internal'::regnamespace) AND (p.prosecdef OR p.prosrc ~* '\mEXECUTE\M')}),
   0, 'no SECURITY DEFINER, no dynamic SQL');

# --- users to work with ---------------------------------------------------------------------

my %pw = (root => 'root-password-1', alice => 'alice-password-1', bob => 'bob-password-1');
sql(sprintf(q{INSERT INTO users (username, password_hash, role) VALUES
              ('root', %s, 'admin'), ('alice', %s, 'viewer'), ('bob', %s, 'viewer')},
            lit(yescrypt($pw{root})), lit(yescrypt($pw{alice})), lit(yescrypt($pw{bob}))));
my %uid = map { split /\|/ } split /\n/, sql('SELECT username, id FROM users');
$_ += 0 for values %uid;

# --- login ----------------------------------------------------------------------------------------

my $dummy = sql('SELECT api_internal.dummy_password_hash()');
like($dummy, qr/^\$y\$j9T\$[.\/0-9A-Za-z]+\$[.\/0-9A-Za-z]{43}$/, 'the dummy hash is a yescrypt hash of the default cost');
isnt(crypt('root-password-1', $dummy), $dummy, 'which no test password matches');

my $b1 = ok_call('login_begin, unknown user', 'login_begin', req(undef, 'POST', body => { username => 'nobody', password => 'x' }));
is_deeply($b1, { user_id => undef, password_hash => $dummy }, 'unknown user: user_id null and the dummy hash');
my $b2 = ok_call('login_begin, another unknown user', 'login_begin', req(undef, 'POST', body => { username => "O'Brien\";--", password => 'x' }));
is_deeply($b2, $b1, 'the same answer for any unknown name');

my $root = login('root', $pw{root});
ok($root->{hash}, 'root logs in') or diag(explain($root));
is_deeply($root->{user}, { id => $uid{root}, username => 'root', role => 'admin' }, 'login_finish answers the user');
is(length $root->{answer}{csrf_token}, 32, 'and the CSRF token');
is(sql("SELECT (expires_at - now()) BETWEEN interval '13 days 23 hours' AND interval '14 days 1 minute' FROM sessions WHERE token_hash = decode('$root->{hash}', 'hex')"),
   't', 'a session of 14 days is stored under the token hash');
like($root->{answer}{expires_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, 'expires_at is ISO 8601');
is(sql("SELECT length(user_agent) || ' ' || (user_agent ~ '[[:cntrl:]]') FROM sessions WHERE token_hash = decode('$root->{hash}', 'hex')"),
   '512 false', 'the user agent is kept short and printable');
is(sql("SELECT failed_logins || ' ' || (last_login_at IS NOT NULL) FROM users WHERE username = 'root'"), '0 true',
   'failed_logins reset, last_login_at set');
my $root_login_check = login('ROOT', $pw{root});
ok($root_login_check->{hash}, 'user names are case-insensitive at login');

my $alice = login('alice', $pw{alice});
my $bob = login('bob', $pw{bob});
ok($alice->{hash} && $bob->{hash}, 'viewers log in');

err_call('login_begin without username', 422, 'invalid', 'login_begin', req(undef, 'POST', body => { password => 'x' }));
err_call('login_begin with a number as username', 422, 'invalid', 'login_begin', req(undef, 'POST', body => { username => 5 }));
err_call('login_begin with an object as username', 422, 'invalid', 'login_begin', req(undef, 'POST', body => { username => { a => 1 } }));
err_call('login_begin with a 10k username', 422, 'invalid', 'login_begin', req(undef, 'POST', body => { username => 'a' x 10000 }));
my $e = err_call('login_begin with an unknown field', 422, 'invalid', 'login_begin', req(undef, 'POST', body => { username => 'a', admin => JSON::PP::true }));
like($e->{message}, qr/"admin"/, 'the message names the field');
is_deeply(decode_json_line($e->{detail} // '{}'), { field => 'admin' }, 'and DETAIL carries it');
err_call('login_begin with an array body', 422, 'invalid', 'login_begin', req(undef, 'POST', body => ['root']));
err_call('login_finish with a bad token hash', 422, 'invalid', 'login_finish', req(undef, 'POST', body => {
    user_id => $uid{root}, ok => JSON::PP::true, token_hash => 'ABC', csrf_token => random_hex(16) }));
err_call('login_finish with a short CSRF token', 422, 'invalid', 'login_finish', req(undef, 'POST', body => {
    user_id => $uid{root}, ok => JSON::PP::true, token_hash => random_hex(32), csrf_token => 'short' }));
err_call('login_finish with ok as a string', 422, 'invalid', 'login_finish', req(undef, 'POST', body => {
    user_id => $uid{root}, ok => 'true', token_hash => random_hex(32), csrf_token => random_hex(16) }));
err_call('login_finish for an unknown user', 401, 'invalid_credentials', 'login_finish', req(undef, 'POST', body => {
    user_id => undef, ok => JSON::PP::false }));
err_call('login_finish ok with user_id null (the dummy)', 401, 'invalid_credentials', 'login_finish', req(undef, 'POST', body => {
    user_id => undef, ok => JSON::PP::true, token_hash => random_hex(32), csrf_token => random_hex(16) }));

# Lockout: 5 failures in a row lock for 5 minutes, each further one doubles.
for my $n (1 .. 4) {
    my $r = login('bob', 'wrong');
    is($r->{error}{state} . ' ' . $r->{error}{hint}, 'SV401 invalid_credentials', "bob's failure $n: 401");
}
is(sql("SELECT failed_logins || ' ' || (locked_until IS NULL) FROM users WHERE username = 'bob'"), '4 true', 'four failures counted, no lock');
my $r = login('bob', 'wrong');
is($r->{error}{state} . ' ' . $r->{error}{hint}, 'SV429 locked', 'the fifth failure locks: 429 locked');
my $retry = decode_json_line($r->{error}{detail} // '{}')->{retry_after} // 0;
ok($retry >= 290 && $retry <= 300, "with retry_after 300 ($retry)");
$r = login('bob', $pw{bob});
is($r->{error}{state} . ' ' . $r->{error}{hint}, 'SV429 locked', 'while locked even the right password gets 429');
ok((decode_json_line($r->{error}{detail} // '{}')->{retry_after} // 0) > 0, 'with retry_after');
is(sql("SELECT failed_logins FROM users WHERE username = 'bob'"), 5, 'refused attempts are not counted');
sql("UPDATE users SET locked_until = now() - interval '1 second' WHERE username = 'bob'");
$r = login('bob', 'wrong');
$retry = decode_json_line($r->{error}{detail} // '{}')->{retry_after} // 0;
ok($r->{error}{hint} eq 'locked' && $retry >= 590 && $retry <= 600, "after the lock, the next failure locks for 10 minutes ($retry)");
sql("UPDATE users SET failed_logins = 40, locked_until = now() - interval '1 second' WHERE username = 'bob'");
$r = login('bob', 'wrong');
$retry = decode_json_line($r->{error}{detail} // '{}')->{retry_after} // 0;
ok($retry >= 3590 && $retry <= 3600, "at most an hour ($retry)");
sql("UPDATE users SET locked_until = now() - interval '1 second' WHERE username = 'bob'");
my $bob2 = login('bob', $pw{bob});
ok($bob2->{hash}, 'once the lock has passed, the right password logs in');
is(sql("SELECT failed_logins || ' ' || (locked_until IS NULL) FROM users WHERE username = 'bob'"), '0 true', 'and clears the count and the lock');
# A lock also covers attempts already under way: 5 concurrent begins, then the 6th is refused.
my @begins = map { call('login_begin', req(undef, 'POST', body => { username => 'bob' })) } 1 .. 6;
ok((grep { $_->{ok} && $_->{ok}{user_id} } @begins[0 .. 4]) == 5 && ($begins[5]{error}{hint} // '') eq 'locked',
   'five attempts in flight at most: the sixth begin is locked');
sql("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = 'bob'");

sql("UPDATE users SET disabled = true WHERE username = 'bob'");
my $b3 = ok_call('login_begin, disabled user', 'login_begin', req(undef, 'POST', body => { username => 'bob' }));
is_deeply($b3, $b1, 'a disabled user looks unknown');
err_call('login_finish ok for a disabled user', 401, 'invalid_credentials', 'login_finish', req(undef, 'POST', body => {
    user_id => $uid{bob}, ok => JSON::PP::true, token_hash => random_hex(32), csrf_token => random_hex(16) }));
err_call('the session of a disabled user', 401, 'unauthorized', 'auth_me', req($bob, 'GET'), 'viewer');
sql("UPDATE users SET disabled = false WHERE username = 'bob'");

# --- authorize ---------------------------------------------------------------------------------

err_call('no credentials', 401, 'unauthorized', 'authorize', req(undef, 'GET'), 'viewer');
err_call('no auth at all', 401, 'unauthorized', 'authorize', {}, 'viewer');
err_call('unknown session', 401, 'unauthorized', 'authorize', req({ kind => 'session', hash => random_hex(32) }, 'GET'), 'viewer');
err_call('malformed token hash', 401, 'unauthorized', 'authorize', req({ kind => 'session', hash => uc random_hex(32) }, 'GET'), 'viewer');
err_call('a session hash presented as a token', 401, 'unauthorized', 'authorize', req({ %$alice, kind => 'token' }, 'GET'), 'viewer');
my $a = ok_call('a viewer session on a viewer route', 'authorize', req($alice, 'GET', query => { x => '1' }), 'viewer');
is_deeply($a->{user}, { id => $uid{alice}, username => 'alice', role => 'viewer' }, 'authorize adds the user');
is_deeply($a->{query}, { x => '1' }, 'and keeps the request');
err_call('a viewer on an admin route', 403, 'forbidden', 'authorize', req($alice, 'GET'), 'admin');
ok_call('an admin on an admin route', 'authorize', req($root, 'GET'), 'admin');
err_call('a cookie write without the CSRF token', 403, 'csrf', 'authorize', req({ %$alice, csrf => undef }, 'POST'), 'viewer');
err_call('a cookie write with a wrong CSRF token', 403, 'csrf', 'authorize', req({ %$alice, csrf => random_hex(16) }, 'DELETE'), 'viewer');
err_call('a cookie write with a CSRF prefix', 403, 'csrf', 'authorize', req({ %$alice, csrf => substr($alice->{csrf}, 0, 31) }, 'PATCH'), 'viewer');
ok_call('a cookie write with the CSRF token', 'authorize', req($alice, 'POST'), 'viewer');
ok_call('HEAD needs no CSRF token', 'authorize', req({ %$alice, csrf => undef }, 'HEAD'), 'viewer');
$r = call('authorize', req($root, 'GET'), 'superuser');
ok($r->{error} && $r->{error}{state} !~ /^SV/, 'an unknown role in the route table is an internal error');

# Sessions slide, but are written at most once a minute.
sql("UPDATE sessions SET last_seen_at = now() - interval '30 seconds', expires_at = now() + interval '1 day' WHERE token_hash = decode('$alice->{hash}', 'hex')");
ok_call('a recent session', 'authorize', req($alice, 'GET'), 'viewer');
is(sql("SELECT (now() - last_seen_at) > interval '20 seconds' FROM sessions WHERE token_hash = decode('$alice->{hash}', 'hex')"),
   't', 'seen less than a minute ago: not written');
sql("UPDATE sessions SET last_seen_at = now() - interval '2 minutes' WHERE token_hash = decode('$alice->{hash}', 'hex')");
ok_call('a session seen 2 minutes ago', 'authorize', req($alice, 'GET'), 'viewer');
is(sql("SELECT (now() - last_seen_at) < interval '5 seconds' AND expires_at > now() + interval '13 days' FROM sessions WHERE token_hash = decode('$alice->{hash}', 'hex')"),
   't', 'is refreshed and extended to 14 days');
sql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = decode('$alice->{hash}', 'hex')");
err_call('an expired session', 401, 'unauthorized', 'authorize', req($alice, 'GET'), 'viewer');
$alice = login('alice', $pw{alice});

# --- auth routes ----------------------------------------------------------------------------------

my $me = ok_call('auth_me', 'auth_me', req($alice, 'GET'), 'viewer');
is_deeply([$me->{user}{username}, $me->{kind}, $me->{csrf_token}], ['alice', 'session', $alice->{csrf}],
          'auth_me: the user and the CSRF token of the session');
my $ph = ok_call('auth_password_begin', 'auth_password_begin', req($alice, 'POST'), 'viewer');
is($ph->{password_hash}, sql("SELECT password_hash FROM users WHERE username = 'alice'"), 'answers the current hash');
my $alice2 = login('alice', $pw{alice});
my $before = checksum();
err_call('auth_password_finish, wrong current password', 403, 'invalid_credentials', 'auth_password_finish',
         req($alice, 'POST', body => { ok => JSON::PP::false, new_password_hash => yescrypt('new') }), 'viewer');
err_call('auth_password_finish with a fast hash', 422, 'invalid', 'auth_password_finish',
         req($alice, 'POST', body => { ok => JSON::PP::true, new_password_hash => '$1$abc$def' }), 'viewer');
err_call('auth_password_finish with an MD5 hex', 422, 'invalid', 'auth_password_finish',
         req($alice, 'POST', body => { ok => JSON::PP::true, new_password_hash => 'd41d8cd98f00b204e9800998ecf8427e' }), 'viewer');
err_call('auth_password_finish without the new hash', 422, 'invalid', 'auth_password_finish',
         req($alice, 'POST', body => { ok => JSON::PP::true }), 'viewer');
is(checksum(), $before, 'refused password changes change nothing');
$pw{alice} = 'alice-password-2';
my $newhash = yescrypt($pw{alice});
is_deeply(ok_call('auth_password_finish', 'auth_password_finish',
                  req($alice, 'POST', body => { ok => JSON::PP::true, new_password_hash => $newhash }), 'viewer'),
          { ok => JSON::PP::true }, 'changes the password');
is(sql("SELECT password_hash FROM users WHERE username = 'alice'"), $newhash, 'the new hash is stored');
ok_call('the current session stays', 'auth_me', req($alice, 'GET'), 'viewer');
err_call("alice's other session ended", 401, 'unauthorized', 'auth_me', req($alice2, 'GET'), 'viewer');

my $alice3 = login('alice', $pw{alice});
is_deeply(ok_call('auth_logout', 'auth_logout', req($alice3, 'POST'), 'viewer'), { ok => JSON::PP::true }, 'logout answers ok');
err_call('the session is gone', 401, 'unauthorized', 'auth_me', req($alice3, 'GET'), 'viewer');
ok_call('other sessions stay', 'auth_me', req($alice, 'GET'), 'viewer');
err_call('logout needs the CSRF token', 403, 'csrf', 'auth_logout', req({ %$alice, csrf => undef }, 'POST'), 'viewer');

# --- API tokens -------------------------------------------------------------------------------------

sub new_token_body {
    my (%o) = @_;
    my $prefix = $o{prefix} // join '', map { ('a' .. 'z', 0 .. 9)[rand 36] } 1 .. 10;
    my $token = "sv_${prefix}_" . random_hex(24);
    return { name => $o{name} // 'script', scopes => $o{scopes} // ['read'], token_prefix => $prefix,
             token_hash => sha256_hex($token), token => $token,
             defined $o{days} ? (expires_in_days => $o{days}) : () };
}

sub make_token {
    my ($ctx, %o) = @_;
    my $body = new_token_body(%o);
    my $t = ok_call("tokens_create ($body->{name})", 'tokens_create', req($ctx, 'POST', body => $body), 'viewer');
    return { kind => 'token', hash => $body->{token_hash}, id => $t->{id}, answer => $t, body => $body };
}

my $rtok = make_token($alice, name => 'reader', scopes => ['read'], days => 30);
is($rtok->{answer}{token}, $rtok->{body}{token}, 'the clear token is answered once');
is_deeply($rtok->{answer}{scopes}, ['read'], 'with its scopes');
ok(!exists $rtok->{answer}{token_hash}, 'never the hash');
is(sql("SELECT (expires_at - now()) BETWEEN interval '29 days 23 hours' AND interval '30 days' FROM api_tokens WHERE id = $rtok->{id}"),
   't', 'expires_in_days sets expires_at');
is(sql(sprintf("SELECT count(*) FROM api_tokens WHERE token_hash = decode('%s', 'hex')", $rtok->{hash})), 1, 'stored as its hash');
my $wtok = make_token($alice, name => 'writer', scopes => ['write', 'read', 'write']);
is_deeply($wtok->{answer}{scopes}, ['read', 'write'], 'scopes are deduplicated');
my $admin_tok = make_token($root, name => 'root script', scopes => ['write']);

ok_call('a read token GETs', 'auth_me', req($rtok, 'GET'), 'viewer');
is(sql("SELECT last_used_at IS NOT NULL FROM api_tokens WHERE id = $rtok->{id}"), 't', 'last_used_at is set');
err_call('a read token cannot write', 403, 'forbidden', 'authorize', req($rtok, 'POST'), 'viewer');
ok_call('a write token writes without CSRF', 'authorize', req($wtok, 'POST'), 'viewer');
err_call("a token never exceeds its user's role", 403, 'forbidden', 'authorize', req($wtok, 'POST'), 'admin');
ok_call("an admin's write token on an admin route", 'users_list', req($admin_tok, 'GET'), 'admin');
err_call('logout with a token', 400, 'bad_request', 'auth_logout', req($wtok, 'POST'), 'viewer');

my $list = ok_call('tokens_list', 'tokens_list', req($alice, 'GET'), 'viewer');
is_deeply([sort map { $_->{name} } @{ $list->{items} }], ['reader', 'writer'], 'lists only the own tokens');
ok(!grep({ exists $_->{token_hash} || exists $_->{token} } @{ $list->{items} }), 'without hash or token');
is($list->{total}, 2, 'total');

err_call('tokens_create, no scopes', 422, 'invalid', 'tokens_create', req($alice, 'POST', body => new_token_body(scopes => [])), 'viewer');
err_call('tokens_create, scope admin', 422, 'invalid', 'tokens_create', req($alice, 'POST', body => new_token_body(scopes => ['admin'])), 'viewer');
err_call('tokens_create, scopes a string', 422, 'invalid', 'tokens_create', req($alice, 'POST', body => new_token_body(scopes => 'read')), 'viewer');
err_call('tokens_create, nested scopes', 422, 'invalid', 'tokens_create', req($alice, 'POST', body => new_token_body(scopes => [['read']])), 'viewer');
for my $days (0, 3651, 1.5, '5', -1) {
    err_call("tokens_create, expires_in_days $days", 422, 'invalid', 'tokens_create', req($alice, 'POST', body => new_token_body(days => $days)), 'viewer');
}
for my $raw ('1e400', '99999999999999999999', '{"a":1}') {
    my $text = $json->encode(req($alice, 'POST', body => new_token_body(days => 7)));
    $text =~ s/"expires_in_days":7/"expires_in_days":$raw/ or die;
    err_call("tokens_create, expires_in_days $raw", 422, 'invalid', 'tokens_create', $text, 'viewer');
}
err_call('tokens_create, bad prefix', 422, 'invalid', 'tokens_create', req($alice, 'POST', body => new_token_body(prefix => 'ab_cd-ef')), 'viewer');
err_call('tokens_create, short prefix', 422, 'invalid', 'tokens_create', req($alice, 'POST', body => new_token_body(prefix => 'abc')), 'viewer');
err_call('tokens_create, hash of another token', 422, 'invalid', 'tokens_create',
         req($alice, 'POST', body => { %{ new_token_body() }, token_hash => sha256_hex('other') }), 'viewer');
err_call('tokens_create, token not of its prefix', 422, 'invalid', 'tokens_create',
         req($alice, 'POST', body => { %{ new_token_body() }, token => 'sv_zzzzzzzzzz_abc', token_hash => sha256_hex('sv_zzzzzzzzzz_abc') }), 'viewer');
err_call('tokens_create, name of 101 characters', 422, 'invalid', 'tokens_create', req($alice, 'POST', body => new_token_body(name => 'n' x 101)), 'viewer');
err_call('tokens_create, name with a newline', 422, 'invalid', 'tokens_create', req($alice, 'POST', body => new_token_body(name => "a\nb")), 'viewer');
err_call('tokens_create, missing token', 422, 'invalid', 'tokens_create',
         req($alice, 'POST', body => do { my $b = new_token_body(); delete $b->{token}; $b }), 'viewer');
err_call('tokens_create, prefix in use', 409, 'conflict', 'tokens_create',
         req($alice, 'POST', body => new_token_body(prefix => $rtok->{body}{token_prefix})), 'viewer');

err_call("revoking someone else's token", 404, 'not_found', 'tokens_revoke', req($alice, 'DELETE', params => { id => $admin_tok->{id} }), 'viewer');
my $rev = ok_call('revoking the own token', 'tokens_revoke', req($alice, 'DELETE', params => { id => $rtok->{id} }), 'viewer');
ok($rev->{revoked_at}, 'sets revoked_at');
err_call('a revoked token', 401, 'unauthorized', 'auth_me', req($rtok, 'GET'), 'viewer');
my $rev2 = ok_call('revoking again', 'tokens_revoke', req($alice, 'DELETE', params => { id => $rtok->{id} }), 'viewer');
is($rev2->{revoked_at}, $rev->{revoked_at}, 'keeps the first revocation time');
my $btok = make_token($bob, name => 'bob');
ok_call("an admin revokes anyone's token", 'tokens_revoke', req($root, 'DELETE', params => { id => $btok->{id} }), 'admin');
sql("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $wtok->{id}");
err_call('an expired token', 401, 'unauthorized', 'auth_me', req($wtok, 'GET'), 'viewer');
err_call('tokens_revoke, id 0', 400, 'bad_request', 'tokens_revoke', req($alice, 'DELETE', params => { id => 0 }), 'viewer');
err_call('tokens_revoke, id a string', 400, 'bad_request', 'tokens_revoke', req($alice, 'DELETE', params => { id => '1' }), 'viewer');

# --- users ---------------------------------------------------------------------------------------

my $users = ok_call('users_list', 'users_list', req($root, 'GET'), 'admin');
is_deeply([map { $_->{username} } @{ $users->{items} }], ['alice', 'bob', 'root'], 'sorted by name');
unlike($json->encode($users), qr/password|\$y\$/, 'no password hashes');
is_deeply([sort keys %{ $users->{items}[0] }],
          [sort qw(id username role disabled failed_logins locked_until last_login_at created_at updated_at)], 'user fields');
err_call('users_list for a viewer (defence in depth)', 403, 'forbidden', 'users_list', req($alice, 'GET'), 'viewer');
is(ok_call('users_get', 'users_get', req($root, 'GET', params => { id => $uid{alice} }), 'admin')->{username}, 'alice', 'users_get');
err_call('users_get, unknown', 404, 'not_found', 'users_get', req($root, 'GET', params => { id => 999999 }), 'admin');
err_call('users_get, id 1e400', 400, 'bad_request', 'users_get', '{"auth":' . $json->encode(req($root, 'GET')->{auth}) . ',"params":{"id":1e400}}', 'admin');

my $carol = ok_call('users_create', 'users_create', req($root, 'POST', body => { username => 'carol', password_hash => yescrypt('carol-pw'), role => 'admin' }), 'admin');
is_deeply([@$carol{qw(username role disabled)}], ['carol', 'admin', JSON::PP::false], 'creates the user');
my $dave = ok_call('users_create, default role', 'users_create', req($root, 'POST', body => { username => 'dave.d-1_x', password_hash => yescrypt('d') }), 'admin');
is($dave->{role}, 'viewer', 'viewer by default');
$before = checksum();
err_call('users_create, taken name (case-insensitive)', 409, 'conflict', 'users_create', req($root, 'POST', body => { username => 'CAROL', password_hash => yescrypt('x') }), 'admin');
for my $name ('a b', "x';DROP TABLE users;--", "\x{fc}", '%', '', 'a' x 65, "a\tb", 'a/b') {
    err_call("users_create, username " . $json->encode($name), 422, 'invalid', 'users_create', req($root, 'POST', body => { username => $name, password_hash => yescrypt('x') }), 'admin');
}
err_call('users_create, role root', 422, 'invalid', 'users_create', req($root, 'POST', body => { username => 'eve', password_hash => yescrypt('x'), role => 'root' }), 'admin');
err_call('users_create, a fast hash', 422, 'invalid', 'users_create', req($root, 'POST', body => { username => 'eve', password_hash => '$6$salt$hash' }), 'admin');
err_call('users_create, a clear password', 422, 'invalid', 'users_create', req($root, 'POST', body => { username => 'eve', password_hash => 'password' }), 'admin');
$e = err_call('users_create, no password', 422, 'invalid', 'users_create', req($root, 'POST', body => { username => 'eve' }), 'admin');
like($e->{message}, qr/"password"/, 'names the field the client sends (the module hashes it)');
err_call('users_create, unknown field', 422, 'invalid', 'users_create', req($root, 'POST', body => { username => 'eve', password_hash => yescrypt('x'), is_admin => JSON::PP::true }), 'admin');
err_call('users_create, disabled "yes"', 422, 'invalid', 'users_create', req($root, 'POST', body => { username => 'eve', password_hash => yescrypt('x'), disabled => 'yes' }), 'admin');
is(checksum(), $before, 'refused creations change nothing');

# Last enabled admin.
my $carol_ctx = login('carol', 'carol-pw');
my $u = ok_call('users_update, demote carol', 'users_update', req($root, 'PATCH', params => { id => $carol->{id} }, body => { role => 'viewer' }), 'admin');
is($u->{role}, 'viewer', 'the role changes');
err_call('carol is no admin any more', 403, 'forbidden', 'users_list', req($carol_ctx, 'GET'), 'admin');
$before = checksum();
err_call('the last admin cannot demote themself', 409, 'conflict', 'users_update', req($root, 'PATCH', params => { id => $uid{root} }, body => { role => 'viewer' }), 'admin');
err_call('the last admin cannot disable themself', 409, 'conflict', 'users_update', req($root, 'PATCH', params => { id => $uid{root} }, body => { disabled => JSON::PP::true }), 'admin');
err_call('nor delete themself', 409, 'conflict', 'users_delete', req($root, 'DELETE', params => { id => $uid{root} }), 'admin');
err_call('users_update, role 1', 422, 'invalid', 'users_update', req($root, 'PATCH', params => { id => $carol->{id} }, body => { role => 1 }), 'admin');
err_call('users_update, username is not changeable', 422, 'invalid', 'users_update', req($root, 'PATCH', params => { id => $carol->{id} }, body => { username => 'x' }), 'admin');
err_call('users_update, unknown user', 404, 'not_found', 'users_update', req($root, 'PATCH', params => { id => 999999 }, body => { role => 'viewer' }), 'admin');
is(checksum(), $before, 'nothing changed');
ok_call('promote carol again', 'users_update', req($root, 'PATCH', params => { id => $carol->{id} }, body => { role => 'admin' }), 'admin');
$carol_ctx = login('carol', 'carol-pw');
ok_call('with two admins one may step down', 'users_update', req($carol_ctx, 'PATCH', params => { id => $carol->{id} }, body => { role => 'viewer' }), 'admin');
ok_call('and come back', 'users_update', req($root, 'PATCH', params => { id => $carol->{id} }, body => { role => 'admin' }), 'admin');
ok_call('disable carol', 'users_update', req($root, 'PATCH', params => { id => $carol->{id} }, body => { disabled => JSON::PP::true }), 'admin');
is(sql("SELECT count(*) FROM sessions WHERE user_id = $carol->{id}"), 0, "disabling ends the user's sessions");
err_call('a disabled admin does not count', 409, 'conflict', 'users_update', req($root, 'PATCH', params => { id => $uid{root} }, body => { role => 'viewer' }), 'admin');
ok_call('enable carol', 'users_update', req($root, 'PATCH', params => { id => $carol->{id} }, body => { disabled => JSON::PP::false }), 'admin');
sql("UPDATE users SET failed_logins = 7, locked_until = now() + interval '1 hour' WHERE id = $carol->{id}");
$carol_ctx = login('carol', 'carol-pw');
ok($carol_ctx->{error}, 'carol is locked');
my $carol_hash = yescrypt('carol-pw-2');
$u = ok_call('users_update, a new password', 'users_update', req($root, 'PATCH', params => { id => $carol->{id} }, body => { password_hash => $carol_hash }), 'admin');
is_deeply([$u->{failed_logins}, $u->{locked_until}], [0, undef], 'clears the lock');
is(sql("SELECT password_hash FROM users WHERE id = $carol->{id}"), $carol_hash, 'stores the hash');
$carol_ctx = login('carol', 'carol-pw-2');
ok($carol_ctx->{hash}, 'carol logs in with the new password');
ok_call('carol deletes root (another admin is left)', 'users_delete', req($carol_ctx, 'DELETE', params => { id => $uid{root} }), 'admin');
err_call('root is gone, and so is the session', 401, 'unauthorized', 'auth_me', req($root, 'GET'), 'viewer');
err_call("root's token went with the user", 401, 'unauthorized', 'auth_me', req($admin_tok, 'GET'), 'viewer');
err_call('users_delete, unknown', 404, 'not_found', 'users_delete', req($carol_ctx, 'DELETE', params => { id => 999999 }), 'admin');
my $admin = $carol_ctx;

# --- streamers ------------------------------------------------------------------------------------

my $s1 = ok_call('streamers_create, twitch', 'streamers_create', req($admin, 'POST', body => {
    login => 'Some_Streamer', twitch_id => '12345', display_name => 'Some Streamer', quality => '1080p60,best',
    retention => { max_age_days => 30, max_count => 10 }, proxy_url => 'socks5://user:secret@proxy.example:1080',
    chat_archive => JSON::PP::true }), 'admin');
is_deeply([@$s1{qw(platform login twitch_id display_name quality chat_archive enabled is_live)}],
          ['twitch', 'some_streamer', '12345', 'Some Streamer', '1080p60,best', JSON::PP::true, JSON::PP::true, JSON::PP::false],
          'a twitch streamer (login in lower case)');
is_deeply($s1->{retention}, { max_age_days => 30, max_count => 10 }, 'with its retention');
is($s1->{proxy_url}, 'socks5://user:secret@proxy.example:1080', 'an admin sees the proxy URL');
my $s2 = ok_call('streamers_create, url', 'streamers_create', req($admin, 'POST', body => {
    platform => 'url', login => 'Radio.One-2', source_url => 'icecast://src:pw@radio.example:8000/live',
    display_name => '100% Radio_One' }), 'admin');
is_deeply([@$s2{qw(platform login source_url twitch_id)}], ['url', 'Radio.One-2', 'icecast://src:pw@radio.example:8000/live', undef], 'a url streamer');
my @more;
for my $i (1 .. 12) {
    push @more, ok_call("streamers_create $i", 'streamers_create', req($admin, 'POST', body => {
        login => sprintf('zz_streamer_%02d', $i), twitch_id => "9$i", enabled => ($i % 2 ? JSON::PP::true : JSON::PP::false) }), 'admin');
}
sql("UPDATE streamers SET is_live = true WHERE login IN ('zz_streamer_01', 'zz_streamer_02')");

my $s1_as_viewer = ok_call('streamers_get as a viewer', 'streamers_get', req($alice, 'GET', params => { id => $s1->{id} }), 'viewer');
is($s1_as_viewer->{proxy_url}, 'socks5://***@proxy.example:1080', 'a viewer sees no proxy credentials');
is(ok_call('streamers_get as a viewer', 'streamers_get', req($alice, 'GET', params => { id => $s2->{id} }), 'viewer')->{source_url},
   'icecast://***@radio.example:8000/live', 'nor source credentials');
err_call('streamers_get, unknown', 404, 'not_found', 'streamers_get', req($alice, 'GET', params => { id => 987654 }), 'viewer');
err_call('streamers_create by a viewer', 403, 'forbidden', 'streamers_create', req($alice, 'POST', body => { login => 'x', twitch_id => '1' }), 'viewer');

$list = ok_call('streamers_list', 'streamers_list', req($alice, 'GET'), 'viewer');
is($list->{total}, 14, 'total');
is_deeply([@$list{qw(limit offset)}], [50, 0], 'default limit and offset');
is_deeply([map { $_->{login} } @{ $list->{items} }[0 .. 2]], ['Radio.One-2', 'some_streamer', 'zz_streamer_01'], 'sorted by login, case-insensitively');
$list = ok_call('streamers_list, page 2 of 5', 'streamers_list', req($alice, 'GET', query => { limit => '5', offset => '5' }), 'viewer');
is_deeply([scalar @{ $list->{items} }, $list->{total}, $list->{items}[0]{login}], [5, 14, 'zz_streamer_04'], 'a page');
$list = ok_call('streamers_list, past the end', 'streamers_list', req($alice, 'GET', query => { offset => '100' }), 'viewer');
is_deeply([$list->{items}, $list->{total}], [[], 14], 'an empty page still knows the total');
$list = ok_call('streamers_list, limit 200', 'streamers_list', req($alice, 'GET', query => { limit => '200', offset => '1000000' }), 'viewer');
is_deeply($list->{items}, [], 'the bounds are allowed');
$list = ok_call('streamers_list, enabled=false', 'streamers_list', req($alice, 'GET', query => { enabled => 'false' }), 'viewer');
is($list->{total}, 6, 'enabled=false');
$list = ok_call('streamers_list, live=true', 'streamers_list', req($alice, 'GET', query => { live => 'true', enabled => 'true' }), 'viewer');
is_deeply([map { $_->{login} } @{ $list->{items} }], ['zz_streamer_01'], 'live=true&enabled=true');
$list = ok_call('streamers_list, platform=url', 'streamers_list', req($alice, 'GET', query => { platform => 'url' }), 'viewer');
is_deeply([map { $_->{login} } @{ $list->{items} }], ['Radio.One-2'], 'platform=url');
$list = ok_call('streamers_list, q', 'streamers_list', req($alice, 'GET', query => { q => 'STREAMER_1' }), 'viewer');
is_deeply([map { $_->{login} } @{ $list->{items} }], ['zz_streamer_10', 'zz_streamer_11', 'zz_streamer_12'], 'q: case-insensitive substring');
$list = ok_call('streamers_list, q=%', 'streamers_list', req($alice, 'GET', query => { q => '%' }), 'viewer');
is_deeply([map { $_->{login} } @{ $list->{items} }], ['Radio.One-2'], 'q=% matches a literal %');
$list = ok_call('streamers_list, q=_', 'streamers_list', req($alice, 'GET', query => { q => 'o_' }), 'viewer');
is_deeply([map { $_->{login} } @{ $list->{items} }], ['Radio.One-2'], 'q=o_ matches a literal _ (display name)');
for my $q ("\\", "'", "' OR '1'='1", "%_\\%", "\x{1F600}", "\x{e4}", "a'; DELETE FROM streamers; --") {
    $list = ok_call('streamers_list, q=' . $json->encode($q), 'streamers_list', req($alice, 'GET', query => { q => $q }), 'viewer');
    is($list->{total}, 0, 'finds nothing');
}
is(sql('SELECT count(*) FROM streamers'), 14, 'and deletes nothing');
my %bad_query = (
    limit => ['0', '201', 'abc', '1e400', '99999999999999999999', '-1', '1.5', ' 5', '5 ', '0x10', "5\n"],
    offset => ['-1', '1000001', 'x', '1e3', '99999999999999999999999999999999'],
    enabled => ['yes', 'TRUE', '2'],
    live => ['maybe'],
    platform => ['youtube', "twitch'--"],
    q => ['q' x 201, "a\x01b"],
);
for my $k (sort keys %bad_query) {
    for my $v (@{ $bad_query{$k} }) {
        err_call("streamers_list, $k=" . $json->encode($v), 400, 'bad_request', 'streamers_list', req($alice, 'GET', query => { $k => $v }), 'viewer');
    }
}
err_call('streamers_list, a query value that is not a string', 400, 'bad_request', 'streamers_list', req($alice, 'GET', query => { limit => 5 }), 'viewer');
$list = ok_call('streamers_list, empty values count as absent', 'streamers_list', req($alice, 'GET', query => { limit => '', q => '' }), 'viewer');
is($list->{limit}, 50, 'limit= is the default');

$before = checksum();
my %bad_create = (
    'twitch login with a space' => { login => 'a b', twitch_id => '1' },
    'twitch login with a dot' => { login => 'a.b', twitch_id => '1' },
    'twitch login of 26' => { login => 'a' x 26, twitch_id => '1' },
    'url login with a slash' => { platform => 'url', login => '../etc', source_url => 'http://x.example/' },
    'twitch_id a number' => { login => 'abc', twitch_id => 123 },
    'twitch_id with letters' => { login => 'abc', twitch_id => '12a' },
    'twitch with source_url' => { login => 'abc', twitch_id => '1', source_url => 'https://x.example/' },
    'url without source_url' => { platform => 'url', login => 'abc' },
    'url with twitch_id' => { platform => 'url', login => 'abc', source_url => 'https://x.example/', twitch_id => '5' },
    'platform youtube' => { platform => 'youtube', login => 'abc' },
    'source file://' => { platform => 'url', login => 'abc', source_url => 'file:///etc/passwd' },
    'source javascript:' => { platform => 'url', login => 'abc', source_url => 'javascript:alert(1)' },
    'source ftp://' => { platform => 'url', login => 'abc', source_url => 'ftp://x.example/a' },
    'source concat:' => { platform => 'url', login => 'abc', source_url => 'concat:http://a|file:///etc/passwd' },
    'source without host' => { platform => 'url', login => 'abc', source_url => 'http://' },
    'source with a space' => { platform => 'url', login => 'abc', source_url => 'http://exa mple.com/' },
    'source with a newline' => { platform => 'url', login => 'abc', source_url => "http://x.example/\nHost: y" },
    'source with a backslash' => { platform => 'url', login => 'abc', source_url => 'http://x.example\\@y/' },
    'source of 2049' => { platform => 'url', login => 'abc', source_url => 'http://x.example/' . ('a' x 2032) },
    'proxy socks4' => { login => 'abc', twitch_id => '1', proxy_url => 'socks4://p.example:1080' },
    'proxy rtmp' => { login => 'abc', twitch_id => '1', proxy_url => 'rtmp://p.example' },
    'retention unknown key' => { login => 'abc', twitch_id => '1', retention => { max_age => 1 } },
    'retention negative' => { login => 'abc', twitch_id => '1', retention => { max_count => -1 } },
    'retention a string' => { login => 'abc', twitch_id => '1', retention => { max_bytes => '100' } },
    'retention fraction' => { login => 'abc', twitch_id => '1', retention => { max_age_days => 1.5 } },
    'retention an array' => { login => 'abc', twitch_id => '1', retention => [1] },
    'quality with a space' => { login => 'abc', twitch_id => '1', quality => 'best worst' },
    'quality empty' => { login => 'abc', twitch_id => '1', quality => '' },
    'quality of 33' => { login => 'abc', twitch_id => '1', quality => 'q' x 33 },
    'template absolute' => { login => 'abc', twitch_id => '1', filename_template => '/etc/{login}' },
    'template ..' => { login => 'abc', twitch_id => '1', filename_template => '{login}/../../x' },
    'template backslash' => { login => 'abc', twitch_id => '1', filename_template => '..\\x' },
    'template of 513' => { login => 'abc', twitch_id => '1', filename_template => 't' x 513 },
    'display_name of 201' => { login => 'abc', twitch_id => '1', display_name => 'd' x 201 },
    'display_name with ESC' => { login => 'abc', twitch_id => '1', display_name => "\e[31mred" },
    'description of 2001' => { login => 'abc', twitch_id => '1', description => 'd' x 2001 },
    'enabled "true"' => { login => 'abc', twitch_id => '1', enabled => 'true' },
    'chat_archive 1' => { login => 'abc', twitch_id => '1', chat_archive => 1 },
    'unknown field is_live' => { login => 'abc', twitch_id => '1', is_live => JSON::PP::true },
    'unknown field id' => { login => 'abc', twitch_id => '1', id => 1 },
);
for my $name (sort keys %bad_create) {
    err_call("streamers_create, $name", 422, 'invalid', 'streamers_create', req($admin, 'POST', body => $bad_create{$name}), 'admin');
}
err_call('streamers_create, login taken (case-insensitive)', 409, 'conflict', 'streamers_create', req($admin, 'POST', body => { login => 'SOME_streamer', twitch_id => '777' }), 'admin');
err_call('streamers_create, twitch_id taken', 409, 'conflict', 'streamers_create', req($admin, 'POST', body => { login => 'other', twitch_id => '12345' }), 'admin');
is(checksum(), $before, 'refused creations change nothing');
ok_call('the same name on another platform is fine', 'streamers_create', req($admin, 'POST', body => { platform => 'url', login => 'some_streamer', source_url => 'srt://x.example:9000?streamid=a' }), 'admin');
for my $url ('rtmp://a.example/live/key', 'rtmps://a.example:443/x', 'rtsp://[::1]:554/cam', 'https://a.example/x.m3u8?token=a%20b', 'HTTP://A.EXAMPLE') {
    ok_call("source_url $url", 'streamers_create', req($admin, 'POST', body => { platform => 'url', login => 'u' . int(rand 1e9), source_url => $url }), 'admin');
}

my $up = ok_call('streamers_update', 'streamers_update', req($admin, 'PATCH', params => { id => $s1->{id} }, body => {
    quality => 'best', enabled => JSON::PP::false, filename_template => '{login}/Season {yyyy}/{title}',
    retention => { max_bytes => 1000000000000 }, chat_archive => JSON::PP::false, proxy_url => undef,
    display_name => "\x{dc}n\x{ef}code \x{1F600} 'quoted' \"x\"; --", description => "line 1\nline 2\ttab" }), 'admin');
is_deeply([@$up{qw(quality enabled filename_template chat_archive proxy_url display_name description)}],
          ['best', JSON::PP::false, '{login}/Season {yyyy}/{title}', JSON::PP::false, undef,
           "\x{dc}n\x{ef}code \x{1F600} 'quoted' \"x\"; --", "line 1\nline 2\ttab"], 'updates the settings, stores text as given');
is_deeply($up->{retention}, { max_bytes => 1000000000000 }, 'retention is replaced');
is($up->{login}, 'some_streamer', 'the rest stays');
$up = ok_call('streamers_update, nulls reset', 'streamers_update', req($admin, 'PATCH', params => { id => $s1->{id} }, body => {
    filename_template => undef, retention => undef }), 'admin');
is_deeply([$up->{filename_template}, $up->{retention}], [undef, {}], 'to the global template and policy');
ok_call('streamers_update, empty body', 'streamers_update', req($admin, 'PATCH', params => { id => $s1->{id} }, body => {}), 'admin');
ok_call('streamers_update, source_url of a url streamer', 'streamers_update', req($admin, 'PATCH', params => { id => $s2->{id} }, body => { source_url => 'https://radio.example/new' }), 'admin');
$before = checksum();
err_call('streamers_update, source_url of a twitch streamer', 422, 'invalid', 'streamers_update', req($admin, 'PATCH', params => { id => $s1->{id} }, body => { source_url => 'https://x.example/' }), 'admin');
err_call('streamers_update, login', 422, 'invalid', 'streamers_update', req($admin, 'PATCH', params => { id => $s1->{id} }, body => { login => 'x' }), 'admin');
err_call('streamers_update, is_live', 422, 'invalid', 'streamers_update', req($admin, 'PATCH', params => { id => $s1->{id} }, body => { is_live => JSON::PP::true }), 'admin');
err_call('streamers_update, unknown', 404, 'not_found', 'streamers_update', req($admin, 'PATCH', params => { id => 999999 }, body => { enabled => JSON::PP::true }), 'admin');
err_call('streamers_update, a string body', 422, 'invalid', 'streamers_update', req($admin, 'PATCH', params => { id => $s1->{id} }, body => 'enabled'), 'admin');
is(checksum(), $before, 'refused updates change nothing');

# Every field of streamers_update against hostile values: a clean 4xx and no
# change, or accepted and stored exactly as sent.
my @hostile = (
    q{"'"}, q{"''; DROP TABLE streamers; --"}, q{"\" OR 1=1 --"}, q{"a;b"}, q{"%"}, q{"_"}, q{"\\\\"},
    q{"\\\\'"}, q{"\u0001\u0002"}, q{"\u001b[2J"}, q{"\u202e"}, q{"\ud83d\ude00"}, q{"$$ $1 $x$"},
    '"' . ('x' x 10000) . '"', '1e400', '-1e400', '99999999999999999999', '-99999999999999999999', '1.5',
    '0', '-1', 'true', 'null', '{}', '{"a":{"b":[1,2,{"c":"d"}]}}', '[]', '[1,"2",null]',
    '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]', '{"$gt":""}',
);
my @update_fields = qw(display_name description profile_image_url offline_image_url enabled quality
                       filename_template retention chat_archive proxy_url source_url);
my $hostile_ok = 1;
my $auth_text = $json->encode(req($admin, 'PATCH')->{auth});
for my $field (@update_fields) {
    for my $raw (@hostile) {
        my $text = qq({"auth":$auth_text,"params":{"id":$s2->{id}},"query":{},"body":{"$field":$raw}});
        my $valid_json = eval { JSON::PP->new->decode($text); 1 };
        next unless $valid_json;    # the module refuses malformed JSON itself
        my $sum = checksum();
        my $r = call('streamers_update', $text, 'admin');
        if ($r->{error}) {
            unless ($r->{error}{state} =~ /^SV4\d\d$/ && checksum() eq $sum) {
                $hostile_ok = 0;
                diag("streamers_update $field=" . substr($raw, 0, 60) . ': ' . explain($r->{error}));
            }
        } else {
            my $sent = JSON::PP->new->allow_nonref->decode($raw);
            my $got = $r->{ok}{$field};
            my $same = $json->encode($got) eq $json->encode($sent)
                || ($field eq 'retention' && ref $sent eq 'HASH' && !%$sent && ref $got eq 'HASH' && !%$got)
                || ($field eq 'retention' && !defined $sent && ref $got eq 'HASH' && !%$got);
            unless ($same) {
                $hostile_ok = 0;
                diag("streamers_update $field=" . substr($raw, 0, 60) . ' stored as ' . $json->encode($got));
            }
        }
    }
}
ok($hostile_ok, 'hostile values in every streamer field: a clean 4xx and no change, or stored exactly');

# Hostile values in every body field of every create route.
my %create_bodies = (
    users_create => { username => 'zed', password_hash => yescrypt('z'), role => 'viewer', disabled => JSON::PP::false },
    streamers_create => { platform => 'url', login => 'zed', source_url => 'https://z.example/', quality => 'best' },
    tokens_create => new_token_body(days => 5),
    streamers_bulk => { ids => [$s1->{id}], enabled => JSON::PP::true },
    settings_put => { 'recording.quality' => 'best', 'public_base_url' => 'https://z.example' },
    auth_password_finish => { ok => JSON::PP::true, new_password_hash => yescrypt('z') },
);
$hostile_ok = 1;
my $hostile_count = 0;
for my $fn (sort keys %create_bodies) {
    my $base = $create_bodies{$fn};
    for my $field (sort keys %$base) {
        for my $raw (@hostile) {
            my %b = %$base;
            $b{$field} = '__RAW__';
            my $text = $json->encode(req($admin, 'POST', body => \%b));
            $text =~ s/"__RAW__"/$raw/ or die;
            next unless eval { JSON::PP->new->decode($text); 1 };
            my $sum = checksum();
            my $r = call($fn, $text, $fn eq 'auth_password_finish' || $fn eq 'tokens_create' ? 'viewer' : 'admin');
            $hostile_count++;
            # accepted values are ones the field may take (a name with a quote)
            next unless $r->{error};
            next if $r->{error}{state} =~ /^SV4\d\d$/ && checksum() eq $sum;
            $hostile_ok = 0;
            diag("$fn $field=" . substr($raw, 0, 60) . ': ' . explain($r));
        }
        sql(q{DELETE FROM streamers WHERE login = 'zed'; DELETE FROM users WHERE username = 'zed'; DELETE FROM settings});
    }
}
ok($hostile_ok, "hostile values in every create body field ($hostile_count calls): clean 4xx, nothing changed");
ok(sql(q{SELECT count(*) FROM users WHERE username <> 'zed'}) >= 4, 'the users are all still there');

# Path parameters the module should never send.
for my $raw ('"1"', '0', '-5', '1.5', '1e400', '99999999999999999999', '{"a":1}', '[1]', 'null', 'true') {
    my $text = qq({"auth":$auth_text,"params":{"id":$raw},"query":{},"body":null});
    err_call("streamers_get, params.id $raw", 400, 'bad_request', 'streamers_get', $text, 'viewer');
}

# Bulk.
my $bulk = ok_call('streamers_bulk', 'streamers_bulk', req($admin, 'POST', body => { ids => [(map { $_->{id} } @more[0 .. 3]), 999999], enabled => JSON::PP::false }), 'admin');
is($bulk->{updated}, 4, 'counts the streamers found');
is(sql(sprintf('SELECT string_agg(enabled::text, \',\' ORDER BY id) FROM streamers WHERE id IN (%s)', join ',', map { $_->{id} } @more[0 .. 3])),
   'false,false,false,false', 'and sets them');
$before = checksum();
for my $case (['no ids', { enabled => JSON::PP::true }], ['empty ids', { ids => [], enabled => JSON::PP::true }],
              ['1001 ids', { ids => [1 .. 1001], enabled => JSON::PP::true }],
              ['id 0', { ids => [0], enabled => JSON::PP::true }], ['id -1', { ids => [-1], enabled => JSON::PP::true }],
              ['id "1"', { ids => ['1'], enabled => JSON::PP::true }], ['nested ids', { ids => [[1]], enabled => JSON::PP::true }],
              ['ids an object', { ids => { 1 => 1 }, enabled => JSON::PP::true }], ['no enabled', { ids => [1] }],
              ['enabled null', { ids => [1], enabled => undef }], ['extra field', { ids => [1], enabled => JSON::PP::true, x => 1 }]) {
    err_call("streamers_bulk, $case->[0]", 422, 'invalid', 'streamers_bulk', req($admin, 'POST', body => $case->[1]), 'admin');
}
is(checksum(), $before, 'refused bulk changes change nothing');
ok_call('streamers_bulk, 1000 ids', 'streamers_bulk', req($admin, 'POST', body => { ids => [1 .. 1000], enabled => JSON::PP::true }), 'admin');

# --- recordings ------------------------------------------------------------------------------------------

sql(<<"SQL");
INSERT INTO recordings (streamer_id, state, title, started_at, file_path, bytes, source_url) VALUES
    ($s1->{id}, 'ready', 'Speedrun 100% any_percent', '2024-03-01 12:00+00', 'some/a.mp4', 1000, NULL),
    ($s1->{id}, 'recording', 'Live now', '2024-03-05 12:00+00', NULL, 0, NULL),
    ($s2->{id}, 'failed', 'Radio show', '2024-02-01 08:00+00', NULL, 0, 'icecast://src:pw\@radio.example:8000/live'),
    ($s2->{id}, 'deleted', 'Old show', '2023-01-01 08:00+00', NULL, 0, NULL),
    (NULL, 'pending', 'Orphan', NULL, NULL, 0, NULL);
INSERT INTO media_assets (recording_id, kind, path, bytes, mime_type)
    SELECT id, 'thumbnail', 'some/a.jpg', 10, 'image/jpeg' FROM recordings WHERE title LIKE 'Speedrun%';
SQL
my %rid = map { split /\|/ } split /\n/, sql(q{SELECT title, id FROM recordings});
$_ += 0 for values %rid;
$list = ok_call('recordings_list', 'recordings_list', req($alice, 'GET'), 'viewer');
is_deeply([map { $_->{title} } @{ $list->{items} }], ['Live now', 'Speedrun 100% any_percent', 'Radio show', 'Orphan'],
          'newest first, deleted ones left out');
is_deeply($list->{items}[0]{streamer}, { id => $s1->{id}, login => 'some_streamer', display_name => $up->{display_name} }, 'with the streamer');
is($list->{items}[3]{streamer}, undef, 'or null');
is($list->{items}[2]{source_url}, 'icecast://***@radio.example:8000/live', 'a viewer sees no credentials');
my %rq = (
    'streamer_id' => [{ streamer_id => "$s2->{id}" }, ['Radio show']],
    'state=deleted' => [{ state => 'deleted' }, ['Old show']],
    'from' => [{ from => '2024-03-01' }, ['Live now', 'Speedrun 100% any_percent']],
    'from/to timestamps' => [{ from => '2024-02-01T08:00:00Z', to => '2024-03-01T12:00:00+00:00' }, ['Radio show']],
    'q with %' => [{ q => '100%' }, ['Speedrun 100% any_percent']],
    'q with _' => [{ q => 'y_p' }, ['Speedrun 100% any_percent']],
    'q no match' => [{ q => "'; --" }, []],
);
for my $name (sort keys %rq) {
    $list = ok_call("recordings_list, $name", 'recordings_list', req($alice, 'GET', query => $rq{$name}[0]), 'viewer');
    is_deeply([map { $_->{title} } @{ $list->{items} }], $rq{$name}[1], "recordings_list, $name: items");
}
for my $q ({ state => 'done' }, { streamer_id => 'x' }, { streamer_id => '0' }, { from => '2024-13-01' }, { from => 'yesterday' },
           { to => "2024-01-01'; DROP TABLE recordings; --" }, { from => '2024-02-30' }, { to => '99999-01-01' }, { limit => '500' }) {
    err_call('recordings_list, ' . $json->encode($q), 400, 'bad_request', 'recordings_list', req($alice, 'GET', query => $q), 'viewer');
}
my $rec = ok_call('recordings_get', 'recordings_get', req($alice, 'GET', params => { id => $rid{'Speedrun 100% any_percent'} }), 'viewer');
is_deeply([map { [$_->{kind}, $_->{path}] } @{ $rec->{media_assets} }], [['thumbnail', 'some/a.jpg']], 'with its media assets');
is_deeply(ok_call('recordings_get, no assets', 'recordings_get', req($alice, 'GET', params => { id => $rid{Orphan} }), 'viewer')->{media_assets},
          [], 'an empty list, not null');
err_call('recordings_get, unknown', 404, 'not_found', 'recordings_get', req($alice, 'GET', params => { id => 999999 }), 'viewer');
err_call('recordings_delete while recording', 409, 'conflict', 'recordings_delete', req($admin, 'DELETE', params => { id => $rid{'Live now'} }), 'admin');
err_call('recordings_delete by a viewer', 403, 'forbidden', 'recordings_delete', req($alice, 'DELETE', params => { id => $rid{'Radio show'} }), 'viewer');
err_call('streamers_delete while recording', 409, 'conflict', 'streamers_delete', req($admin, 'DELETE', params => { id => $s1->{id} }), 'admin');
sql('LISTEN streamvault_recordings; LISTEN streamvault_jobs; LISTEN streamvault_streamers; LISTEN streamvault_settings');
@notifications = ();
is(ok_call('recordings_delete', 'recordings_delete', req($admin, 'DELETE', params => { id => $rid{'Radio show'} }), 'admin')->{state},
   'deleted', 'marks it deleted');
is_deeply([map { [$_->[0], decode_json_line($_->[1])] } grep { $_->[0] eq 'streamvault_recordings' } @notifications],
          [['streamvault_recordings', { id => $rid{'Radio show'}, op => 'delete' }]], 'and tells the worker');
my @queued = map { $_->[1] } grep { $_->[0] eq 'streamvault_jobs' } @notifications;
is(scalar @queued, 1, 'one job notification');
is(sql("SELECT type || ' ' || state || ' ' || payload::text FROM jobs WHERE id = '$queued[0]'"), 'retention queued {}',
   'for the retention job that purges its files and row');
@notifications = ();
ok_call('recordings_delete again', 'recordings_delete', req($admin, 'DELETE', params => { id => $rid{'Radio show'} }), 'admin');
is_deeply(\@notifications, [], 'again: no new notification');
is(sql("SELECT count(*) FROM jobs WHERE type = 'retention'"), 1, 'nor another job');

# import and postprocess queue a job row for the worker and tell it
err_call('recordings_postprocess while recording', 409, 'conflict', 'recordings_postprocess',
         req($admin, 'POST', params => { id => $rid{'Live now'} }, body => {}), 'admin');
err_call('recordings_postprocess by a viewer', 403, 'forbidden', 'recordings_postprocess',
         req($alice, 'POST', params => { id => $rid{'Speedrun 100% any_percent'} }, body => {}), 'viewer');
err_call('recordings_postprocess, unknown', 404, 'not_found', 'recordings_postprocess',
         req($admin, 'POST', params => { id => 999999 }, body => {}), 'admin');
sql("UPDATE recordings SET state = 'ready' WHERE id = $rid{'Speedrun 100% any_percent'}");
@notifications = ();
my $ppjob = ok_call('recordings_postprocess', 'recordings_postprocess',
                    req($admin, 'POST', params => { id => $rid{'Speedrun 100% any_percent'} }, body => {}), 'admin');
is_deeply([$ppjob->{type}, $ppjob->{state}, $ppjob->{recording_id}],
          ['postprocess', 'queued', $rid{'Speedrun 100% any_percent'}], 'a queued postprocess job of the recording');
is_deeply(\@notifications, [['streamvault_jobs', $ppjob->{id}]], 'the worker is told');
for my $bad ({ path => 'raw/x.mp4' }, { path => 'import/../etc/passwd' }, { path => 'import//x.mp4' },
             { path => "import/a\x01.mp4" }, { path => 'import/x.mp4', streamer_id => 999999 },
             { path => 'import/x.mp4', date => '2025-13-01' }, { path => 'import/x.mp4', keep => 'yes' },
             { path => 'import/x.mp4', extra => 1 }, {}) {
    err_call('recordings_import ' . $json->encode($bad), 422, 'invalid', 'recordings_import',
             req($admin, 'POST', body => $bad), 'admin');
}
err_call('recordings_import by a viewer', 403, 'forbidden', 'recordings_import',
         req($alice, 'POST', body => { path => 'import/x.mp4' }), 'viewer');
@notifications = ();
my $impjob = ok_call('recordings_import', 'recordings_import',
                     req($admin, 'POST', body => { path => 'import/a b.mp4', streamer_id => $s1->{id},
                                                   title => 'Old <one>', date => '2025-01-02', keep => JSON::PP::true }),
                     'admin');
is_deeply([$impjob->{type}, $impjob->{state}, $impjob->{payload}],
          ['import', 'queued', { path => 'import/a b.mp4', streamer => $s1->{login}, title => 'Old <one>',
                                 date => '2025-01-02', keep => JSON::PP::true }],
          'a queued import job naming the streamer by login');
is_deeply(\@notifications, [['streamvault_jobs', $impjob->{id}]], 'the worker is told');

# the jobs tests below start from an empty table
sql("DELETE FROM jobs WHERE type IN ('retention', 'postprocess', 'import')");

@notifications = ();
is_deeply(ok_call('streamers_delete', 'streamers_delete', req($admin, 'DELETE', params => { id => $s2->{id} }), 'admin'), { ok => JSON::PP::true }, 'streamers_delete');
is_deeply([map { $_->[0] } @notifications], ['streamvault_streamers'], 'tells the worker');
is(sql("SELECT count(*) FROM recordings WHERE streamer_id IS NULL AND title IN ('Radio show', 'Old show')"), 2, 'the recordings stay');
err_call('streamers_delete again', 404, 'not_found', 'streamers_delete', req($admin, 'DELETE', params => { id => $s2->{id} }), 'admin');

# --- jobs --------------------------------------------------------------------------------------------------

my @jid = map { sprintf '00000000-0000-4000-8000-%012d', $_ } 1 .. 5;
sql(<<"SQL");
INSERT INTO jobs (id, type, state, recording_id, attempts, last_error, created_at) VALUES
    ('$jid[0]', 'remux', 'failed', $rid{'Speedrun 100% any_percent'}, 5, 'boom', now() - interval '5 minutes'),
    ('$jid[1]', 'remux', 'queued', NULL, 0, NULL, now() - interval '4 minutes'),
    ('$jid[2]', 'thumbnails', 'running', NULL, 1, NULL, now() - interval '3 minutes'),
    ('$jid[3]', 'nfo', 'succeeded', NULL, 1, NULL, now() - interval '2 minutes'),
    ('$jid[4]', 'nfo', 'dead', NULL, 5, 'gave up', now() - interval '1 minutes');
SQL
$list = ok_call('jobs_list', 'jobs_list', req($alice, 'GET'), 'viewer');
is_deeply([map { $_->{id} } @{ $list->{items} }], [reverse @jid], 'newest first');
is_deeply([map { $_->{id} } @{ ok_call('jobs_list, filters', 'jobs_list', req($alice, 'GET', query => { type => 'remux', state => 'failed', recording_id => "$rid{'Speedrun 100% any_percent'}" }), 'viewer')->{items} }],
          [$jid[0]], 'filters by type, state, recording');
err_call('jobs_list, state bogus', 400, 'bad_request', 'jobs_list', req($alice, 'GET', query => { state => 'bogus' }), 'viewer');
err_call('jobs_list, type with a quote', 400, 'bad_request', 'jobs_list', req($alice, 'GET', query => { type => "re'mux" }), 'viewer');
err_call('jobs_list, recording_id huge', 400, 'bad_request', 'jobs_list', req($alice, 'GET', query => { recording_id => '99999999999999999999' }), 'viewer');
my $stats = ok_call('jobs_stats', 'jobs_stats', req($alice, 'GET'), 'viewer');
is_deeply($stats->{by_state}, { waiting => 0, queued => 1, running => 1, succeeded => 1, failed => 1, dead => 1, cancelled => 0, rejected => 0 }, 'by_state, zeros included');
is_deeply($stats->{by_type}, { remux => 2, thumbnails => 1, nfo => 2 }, 'by_type');
@notifications = ();
my $job = ok_call('jobs_retry, failed', 'jobs_retry', req($admin, 'POST', params => { id => $jid[0] }), 'admin');
is_deeply([@$job{qw(state attempts last_error finished_at)}], ['queued', 0, 'boom', undef], 'back in the queue, attempts reset, error kept');
is_deeply(\@notifications, [['streamvault_jobs', $jid[0]]], 'pg_notify streamvault_jobs with the id');
ok_call('jobs_retry, dead', 'jobs_retry', req($admin, 'POST', params => { id => $jid[4] }), 'admin');
err_call('jobs_retry, queued', 409, 'conflict', 'jobs_retry', req($admin, 'POST', params => { id => $jid[1] }), 'admin');
err_call('jobs_retry, succeeded', 409, 'conflict', 'jobs_retry', req($admin, 'POST', params => { id => $jid[3] }), 'admin');
@notifications = ();
$job = ok_call('jobs_cancel, running', 'jobs_cancel', req($admin, 'POST', params => { id => $jid[2] }), 'admin');
is_deeply([$job->{state}, defined $job->{finished_at} ? 1 : 0], ['cancelled', 1], 'cancelled');
is_deeply(\@notifications, [['streamvault_jobs', $jid[2]]], 'pg_notify');
ok_call('jobs_retry, cancelled', 'jobs_retry', req($admin, 'POST', params => { id => $jid[2] }), 'admin');
err_call('jobs_cancel, succeeded', 409, 'conflict', 'jobs_cancel', req($admin, 'POST', params => { id => $jid[3] }), 'admin');
err_call('jobs_cancel, unknown', 404, 'not_found', 'jobs_cancel', req($admin, 'POST', params => { id => '00000000-0000-4000-8000-999999999999' }), 'admin');
err_call('jobs_cancel, not a uuid', 400, 'bad_request', 'jobs_cancel', req($admin, 'POST', params => { id => "x' OR 1=1" }), 'admin');
err_call('jobs_cancel, a number', 400, 'bad_request', 'jobs_cancel', req($admin, 'POST', params => { id => 5 }), 'admin');
err_call('jobs_retry by a viewer', 403, 'forbidden', 'jobs_retry', req($alice, 'POST', params => { id => $jid[3] }), 'viewer');

# --- settings ----------------------------------------------------------------------------------------------

my $defaults = ok_call('settings_get', 'settings_get', req($admin, 'GET'), 'admin');
is_deeply($defaults, {
    'twitch.client_id' => undef, 'twitch.client_secret' => { set => JSON::PP::false }, public_base_url => undef,
    'twitch.user_token' => { set => JSON::PP::false }, 'twitch.eventsub_secret' => { set => JSON::PP::false },
    'storage.filename_template' => undef, 'retention.max_age_days' => undef, 'retention.max_bytes' => undef,
    'retention.max_count' => undef, 'recording.quality' => 'best', 'recording.rollover_hours' => 24,
    'recording.proxy_url' => undef }, 'defaults');
# The module seals secrets before the call (sql/008_twitch.sql).
my $secret = 'sv1:abcdef0123456789secret-_';
my $set = ok_call('settings_put', 'settings_put', req($admin, 'PUT', body => {
    'twitch.client_id' => 'clientid123', 'twitch.client_secret' => $secret, public_base_url => 'https://sv.example.org:8443/base',
    'storage.filename_template' => '{login}/{yyyy}', 'retention.max_age_days' => 0, 'retention.max_bytes' => 9223372036854775807,
    'retention.max_count' => 100, 'recording.quality' => '720p60,best', 'recording.rollover_hours' => 168 }), 'admin');
is_deeply($set->{'twitch.client_secret'}, { set => JSON::PP::true }, 'the secret is write-only');
unlike($json->encode($set), qr/\Q$secret\E/, 'and never answered');
is_deeply([@$set{qw(twitch.client_id public_base_url retention.max_age_days retention.max_count recording.rollover_hours)}],
          ['clientid123', 'https://sv.example.org:8443/base', 0, 100, 168], 'the values');
is(sql(q{SELECT value #>> '{}' FROM settings WHERE key = 'twitch.client_secret'}), $secret, 'the secret is stored for the worker');
$before = checksum();
for my $case (['unknown key', { 'twitch.client' => 'x' }], ['SQL as key', { "x'; DROP TABLE settings; --" => 1 }],
              ['rollover 0', { 'recording.rollover_hours' => 0 }], ['rollover 169', { 'recording.rollover_hours' => 169 }],
              ['rollover "24"', { 'recording.rollover_hours' => '24' }], ['rollover 24.5', { 'recording.rollover_hours' => 24.5 }],
              ['http url', { public_base_url => 'http://sv.example.org' }], ['url with a query', { public_base_url => 'https://sv.example.org/?a=1' }],
              ['url javascript', { public_base_url => 'javascript:alert(1)' }], ['template ..', { 'storage.filename_template' => '../x' }],
              ['max_bytes -1', { 'retention.max_bytes' => -1 }], ['max_age_days object', { 'retention.max_age_days' => { a => 1 } }],
              ['client_id with a space', { 'twitch.client_id' => 'a b' }], ['secret a number', { 'twitch.client_secret' => 5 }],
              ['secret in plaintext', { 'twitch.client_secret' => 'abcdef0123456789secret' }],
              ['quality array', { 'recording.quality' => ['best'] }], ['body array', [1]]) {
    err_call("settings_put, $case->[0]", 422, 'invalid', 'settings_put', req($admin, 'PUT', body => $case->[1]), 'admin');
}
for my $raw ('1e400', '99999999999999999999', '9223372036854775808') {
    my $text = $json->encode(req($admin, 'PUT', body => { 'retention.max_bytes' => '__RAW__' }));
    $text =~ s/"__RAW__"/$raw/;
    err_call("settings_put, max_bytes $raw", 422, 'invalid', 'settings_put', $text, 'admin');
}
is(checksum(), $before, 'refused settings change nothing');
$set = ok_call('settings_put, null resets', 'settings_put', req($admin, 'PUT', body => { 'recording.rollover_hours' => undef, 'twitch.client_secret' => undef }), 'admin');
is_deeply([$set->{'recording.rollover_hours'}, $set->{'twitch.client_secret'}], [24, { set => JSON::PP::false }], 'to the defaults');
err_call('settings_get by a viewer', 403, 'forbidden', 'settings_get', req($alice, 'GET'), 'viewer');

# --- system status -------------------------------------------------------------------------------------------

my $status = ok_call('system_status', 'system_status', req($alice, 'GET', extra => { extra => {
    disk => { free_bytes => 5 }, redis => { ok => JSON::PP::true }, nginx_version => '1.22.1', module_version => '0.1', workers => [] } }), 'viewer');
is_deeply([@$status{qw(nginx_version module_version)}, $status->{disk}{free_bytes}], ['1.22.1', '0.1', 5], 'merges what the module sent');
is($status->{recordings}{active}, 1, 'active recordings');
is($status->{jobs}{by_state}{queued}, 4, 'job counts');
is($status->{postgres}{version}, sql('SHOW server_version'), 'the PostgreSQL version');
ok($status->{postgres}{database_bytes} > 0, 'the database size');
ok(ok_call('system_status without extra', 'system_status', req($alice, 'GET'), 'viewer')->{postgres}, 'works without extra');

# --- what the module sees on the wire --------------------------------------------------------------------------

sub wire {
    my ($sql) = @_;
    return run_cmd(['psql', '-XAtq', '-h', $stack->pg_socket, '-U', 'streamvault', '-d', 'streamvault',
                    '-v', 'VERBOSITY=verbose', '-c', $sql]);
}
my $w = wire(sprintf 'SELECT api.streamers_get(api.authorize(%s::jsonb, %s))',
             lit($json->encode(req($alice, 'GET', params => { id => 999999 }))), lit('viewer'));
like($w->{err}, qr/^ERROR:  SV404: streamer 999999 not found$/m, 'SQLSTATE SV404 and the message');
like($w->{err}, qr/^HINT:  not_found$/m, 'the code in HINT');
sql("UPDATE users SET locked_until = now() + interval '90 seconds', failed_logins = 5 WHERE username = 'bob'");
$w = wire(sprintf 'SELECT api.login_begin(%s::jsonb)', lit($json->encode(req(undef, 'POST', body => { username => 'bob' }))));
like($w->{err}, qr/^ERROR:  SV429: /m, '429 on the wire');
ok($w->{err} =~ /^DETAIL:  \{"retry_after": (\d+)\}$/m && $1 > 80 && $1 <= 90, 'retry_after in DETAIL')
    or diag($w->{err});
like($w->{err}, qr/^HINT:  locked$/m, 'HINT locked');

close $to_psql;
waitpid $psql_pid, 0;
done_testing;
