# GET /api/health through Debian's nginx with the module, and the JSON error
# shape for everything else under /api/.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP qw(decode_json);
use StreamVault::Test qw(start_stack run_cmd slurp top_dir);

my $stack = start_stack();

my $version = slurp(top_dir() . '/lib/sv_version.h') =~ /STREAMVAULT_VERSION\s+"([^"]+)"/ && $1;

my $res = $stack->get('/api/health');
is($res->{status}, 200, 'GET /api/health is 200');
like($res->{headers}{'content-type'}, qr{^application/json\b}, 'as JSON');
is($res->{headers}{'cache-control'}, 'no-store', 'never cached');
my $body = eval { decode_json($res->{content}) };
is($body->{status}, 'ok', 'status ok');
is($body->{version}, $version, "version $version");
like($body->{postgres}, qr/^(up|unknown)$/, "PostgreSQL as this worker last saw it: $body->{postgres}");
like($body->{redis}, qr/^(up|unknown)$/, "Redis as this worker last saw it: $body->{redis}");

$res = $stack->request('HEAD', '/api/health');
is($res->{status}, 200, 'HEAD /api/health is 200');
is($res->{content} // '', '', 'HEAD has no body');

$res = $stack->request('POST', '/api/health', { content => '{}',
    headers => { 'Content-Type' => 'application/json' } });
is($res->{status}, 405, 'POST /api/health is 405');
like($res->{headers}{allow} // '', qr/^GET, HEAD$/, 'Allow lists GET and HEAD');
$body = eval { decode_json($res->{content}) } || {};
is($body->{error}{code}, 'method_not_allowed', 'JSON error code');
ok(length($body->{error}{message} // ''), 'with a message');

for my $path ('/api/', '/api/nope', '/api/health/extra', '/api/../api/health2') {
    $res = $stack->get($path);
    is($res->{status}, 404, "$path is 404");
    $body = eval { decode_json($res->{content}) } || {};
    is($body->{error}{code}, 'not_found', "$path answers the JSON error shape");
}

# A real client, as users have it.
my $curl = run_cmd(['curl', '-sS', '-i', $stack->url . '/api/health']);
is($curl->{status}, 0, 'curl reaches the API');
like($curl->{out}, qr{^HTTP/1\.1 200 OK\r\n}, 'curl sees 200');
like($curl->{out}, qr/\r\n\r\n\{"status":"ok","version":"\Q$version\E","postgres":"\w+","redis":"\w+"\}\n\z/,
     'curl sees the JSON body');

# The web UI is served from html/.
$res = $stack->get('/');
is($res->{status}, 200, 'the web UI is served');
like($res->{content}, qr/<title>StreamVault<\/title>/, 'index.html');

done_testing;
