# What the module checks before anything reaches SQL: body size (declared
# and chunked), content type, well-formed JSON objects nested at most 32
# deep, valid UTF-8 without NUL, and the query string; each refusal with
# its status and the one JSON error shape.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use IO::Socket::INET;
use StreamVault::Test qw(start_stack);

my $stack = start_stack();
my $admin = $stack->login('admin', $stack->admin_password);
my %json = ('Content-Type' => 'application/json');

sub post {
    my ($body, %headers) = @_;
    return $stack->api('POST', '/api/streamers', as => $admin, body => $body,
                       headers => { %json, %headers });
}
sub refused {
    my ($res, $status, $code, $what) = @_;
    is($res->{status}, $status, "$what: $status");
    is($res->{json} && $res->{json}{error}{code}, $code, "$what: $code");
}

refused(post('{"login":"' . ('a' x 17000) . '"}'), 413, 'too_large', 'a body over the route limit');
refused(post('{}', 'Content-Type' => 'text/plain'), 415, 'unsupported_media_type', 'text/plain');
refused(post('{}', 'Content-Type' => 'application/jsonx'), 415, 'unsupported_media_type', 'application/jsonx');
refused(post('{"login":"x"', ), 400, 'bad_json', 'truncated JSON');
refused(post('[]'), 400, 'bad_json', 'an array');
refused(post('"text"'), 400, 'bad_json', 'a string');
refused(post('42'), 400, 'bad_json', 'a number');
refused(post('{} {}'), 400, 'bad_json', 'two documents');
refused(post('{"a":1,}'), 400, 'bad_json', 'a trailing comma');
refused(post('{"a":' . ('[' x 40) . (']' x 40) . '}'), 400, 'bad_json', 'nested 41 deep');
refused(post("{\"login\":\"\xff\xfe\"}"), 400, 'bad_json', 'invalid UTF-8');
refused(post('{"login":"a\u0000b"}'), 400, 'bad_json', 'an escaped NUL');
refused(post('{"log\u0000in":"x"}'), 400, 'bad_json', 'a NUL in a key');
my $ok = post('{"login":"nested","twitch_id":"77","retention":' . ('{"a":' x 20) . '1' . ('}' x 20) . '}');
is($ok->{status}, 422, 'nested 21 deep passes the module, SQL judges the field');
is($stack->psql("SELECT count(*) FROM streamers"), 0, 'nothing was written');

# A chunked body over the limit is refused once read.
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $stack->port) or die;
my $chunk = '{"login":"' . ('b' x 9000);
my $rest = ('c' x 9000) . '"}';
print {$sock} "POST /api/streamers HTTP/1.1\r\nHost: x\r\nCookie: sv_session=$admin->{session}\r\n"
    . "X-CSRF-Token: $admin->{csrf}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    . "Connection: close\r\n\r\n"
    . sprintf("%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n", length $chunk, $chunk, length $rest, $rest);
my $answer = do { local $/; <$sock> } // '';
like($answer, qr{^HTTP/1\.1 413 }, 'a chunked body over the limit: 413');
like($answer, qr/"code":"too_large"/, 'too_large');

# Query strings.
for my $q ('limit=%FF', 'a%00b=1', 'UPPER=1', ('x=1&' x 40) . 'y=2', 'k' x 40 . '=1') {
    refused($stack->api('GET', "/api/streamers?$q", as => $admin), 400, 'bad_request',
            'query ' . substr($q, 0, 30));
}
is($stack->api('GET', '/api/streamers?q=caf%C3%A9+au+lait', as => $admin)->{status}, 200,
   'a UTF-8 query with + for space');

# A body where none is taken is ignored; none where one is taken is null.
is($stack->api('GET', '/api/streamers', as => $admin, body => 'junk')->{status}, 200,
   'a GET with a body: the body is discarded');
refused($stack->api('POST', '/api/streamers', as => $admin), 422, 'invalid', 'a POST without a body');

done_testing;
