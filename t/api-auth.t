# Authentication through nginx: login sets HttpOnly SameSite=Strict session
# and CSRF cookies, cookie writes need the CSRF header, logout ends the
# session, failed logins lock the user with Retry-After, logins per address
# are rate limited in Redis, passwords change, API tokens are shown once,
# hashed, scoped and revocable, and answers carry the security headers.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use StreamVault::Test qw(start_stack);

my $stack = start_stack(nginx_http => "streamvault_login_rate 20;\n");
my $password = $stack->admin_password;

my $bad = $stack->login('admin', 'wrong password');
is($bad->{status}, 401, 'a wrong password: 401');
is($bad->{json}{error}{code}, 'invalid_credentials', 'invalid_credentials');
is($bad->{session}, undef, 'and no session cookie');
my $nobody = $stack->login('nobody-here', 'whatever');
is($nobody->{status}, 401, 'an unknown user: the same 401');
is($nobody->{json}{error}{code}, 'invalid_credentials', 'with the same code');

my $admin = $stack->login('admin', $password);
is($admin->{status}, 200, 'the right password: 200');
is($admin->{json}{user}{username}, 'admin', 'the answer names the user');
is($admin->{json}{csrf_token}, $admin->{csrf}, 'and carries the CSRF token of the cookie');
my ($session_cookie) = grep { /^sv_session=/ } @{ $admin->{cookies} };
like($session_cookie, qr/; HttpOnly/, 'the session cookie is HttpOnly');
like($session_cookie, qr/; SameSite=Strict/, 'and SameSite=Strict');
like($session_cookie, qr/; Path=\//, 'for the whole site');
unlike($session_cookie, qr/; Secure/, 'not Secure over plain HTTP');
my ($csrf_cookie) = grep { /^sv_csrf=/ } @{ $admin->{cookies} };
unlike($csrf_cookie, qr/HttpOnly/, 'the CSRF cookie is readable by the page');
like($admin->{session}, qr/^[A-Za-z0-9_-]{43}$/, 'the session token is 32 random bytes');
is($stack->psql("SELECT count(*) FROM sessions WHERE token_hash = sha256('$admin->{session}'::bytea)"), 1,
   'only its SHA-256 is stored');

my $me = $stack->api('GET', '/api/auth/me', as => $admin);
is($me->{status}, 200, 'GET /api/auth/me with the cookie');
is($me->{json}{user}{role} // $me->{json}{role}, 'admin', 'is the admin');
for my $h (['x-content-type-options', 'nosniff'], ['x-frame-options', 'DENY'],
           ['referrer-policy', 'no-referrer'], ['cache-control', 'no-store']) {
    is($me->{headers}{$h->[0]}, $h->[1], "$h->[0]: $h->[1]");
}
like($me->{headers}{'content-security-policy'} // '', qr/default-src 'none'/, 'a CSP that allows nothing');

# CSRF: cookie-authenticated writes need the header, and the right one.
my $write = sub { $stack->api('POST', '/api/streamers', as => $admin, @_,
                              json => { login => 'csrfprobe', twitch_id => '123' }) };
my $res = $write->(csrf => 0);
is($res->{status}, 403, 'a cookie write without X-CSRF-Token: 403');
is($res->{json}{error}{code}, 'csrf', 'code csrf');
$res = $stack->api('POST', '/api/streamers', as => { %$admin, csrf => 'C' x 32 },
                   json => { login => 'csrfprobe', twitch_id => '123' });
is($res->{status}, 403, 'a wrong CSRF token: 403');
is($stack->psql("SELECT count(*) FROM streamers WHERE login = 'csrfprobe'"), 0, 'nothing was written');
$res = $write->();
is($res->{status}, 201, 'with the right CSRF token the write succeeds') or diag(explain($res->{json}));

# The UI's CSP on the pages.
my $page = $stack->get('/');
like($page->{headers}{'content-security-policy'} // '', qr/default-src 'self'/, 'pages get a CSP');

# API tokens: shown once, stored hashed, scoped, revocable.
my $t = $stack->api('POST', '/api/tokens', as => $admin, json => { name => 'script', scopes => ['read'] });
is($t->{status}, 201, 'a read token is created') or diag(explain($t->{json}));
my $token = $t->{json}{token} // '';
like($token, qr/^sv_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/, 'the token is shown');
is($stack->psql("SELECT count(*) FROM api_tokens WHERE token_hash = sha256('$token'::bytea)"), 1,
   'only its SHA-256 is stored');
my $list = $stack->api('GET', '/api/tokens', token => $token);
is($list->{status}, 200, 'the token reads');
unlike($list->{content}, qr/\Q$token\E|token_hash/, 'lists never show the token or its hash');
$res = $stack->api('POST', '/api/streamers', token => $token, json => { login => 'tokprobe', twitch_id => '124' });
is($res->{status}, 403, 'a read token cannot write');
my $w = $stack->api('POST', '/api/tokens', as => $admin, json => { name => 'writer', scopes => ['read', 'write'] });
my $wtoken = $w->{json}{token};
$res = $stack->api('POST', '/api/streamers', token => $wtoken, json => { login => 'tokprobe', twitch_id => '124' });
is($res->{status}, 201, 'a write token writes without any CSRF token');
$res = $stack->api('DELETE', "/api/tokens/$w->{json}{id}", as => $admin);
is($res->{status}, 200, 'the token is revoked');
is($stack->api('GET', '/api/tokens', token => $wtoken)->{status}, 401, 'and no longer works');

# Password change: the current one is checked, the new one works, the old
# one no longer does.
$res = $stack->api('POST', '/api/auth/password', as => $admin,
                   json => { current_password => 'not it', new_password => 'a new password' });
is($res->{status}, 403, 'a wrong current password: 403');
$res = $stack->api('POST', '/api/auth/password', as => $admin,
                   json => { current_password => $password, new_password => 'short' });
is($res->{status}, 422, 'a too short new password: 422');
$res = $stack->api('POST', '/api/auth/password', as => $admin,
                   json => { current_password => $password, new_password => 'a new password' });
is($res->{status}, 200, 'the password is changed') or diag(explain($res->{json}));
like($stack->psql("SELECT password_hash FROM users WHERE username = 'admin'"), qr/^\$y\$/, 'stored as yescrypt');
is($stack->login('admin', $password)->{status}, 401, 'the old password no longer works');
$admin = $stack->login('admin', 'a new password');
is($admin->{status}, 200, 'the new one does');

# Logout ends the session and clears the cookies.
$res = $stack->api('POST', '/api/auth/logout', as => $admin);
is($res->{status}, 200, 'logout');
my $cleared = $res->{headers}{'set-cookie'} // [];
is(scalar(grep { /^sv_(session|csrf)=; .*Max-Age=0/ } @$cleared), 2, 'clears both cookies');
is($stack->api('GET', '/api/auth/me', as => $admin)->{status}, 401, 'the session is gone');

# Five failures in a row lock the user, with Retry-After.
$stack->api('POST', '/api/users', as => $stack->login('admin', 'a new password'),
            json => { username => 'victim', password => 'victim password', role => 'viewer' });
my @codes = map { $stack->login('victim', "guess $_")->{status} } 1 .. 4;
is_deeply(\@codes, [401, 401, 401, 401], 'four failures: 401 each');
my $locked = $stack->login('victim', 'guess 5');
is($locked->{status}, 429, 'the fifth locks the user: 429');
is($locked->{json}{error}{code}, 'locked', 'code locked');
ok(($locked->{headers}{'retry-after'} // 0) > 0, "with Retry-After ($locked->{headers}{'retry-after'})");
is($stack->login('victim', 'victim password')->{status}, 429, 'even the right password waits');
$stack->psql("UPDATE users SET locked_until = now() - interval '1 second' WHERE username = 'victim'");
is($stack->login('victim', 'victim password')->{status}, 200, 'after the lock the right password works');

# Logins per address are limited in Redis (20 a minute in this stack).
my $n = 0;
my $limited;
while ($n++ < 30) {
    $limited = $stack->login('admin', 'wrong again');
    last if $limited->{status} == 429 && $limited->{json}{error}{code} eq 'rate_limited';
}
is($limited->{status}, 429, 'too many logins from one address: 429');
is($limited->{json}{error}{code}, 'rate_limited', 'code rate_limited');
ok(($limited->{headers}{'retry-after'} // 0) > 0, 'with Retry-After');
ok($stack->redis('TTL', 'streamvault:login:ip:127.0.0.1') > 0, 'the counter lives in Redis and expires');

done_testing;
