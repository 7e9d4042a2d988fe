# GET /api/health through the module against nginx serving the identical
# bytes as a static file from the same nginx: the cost of the module's
# request path with no backend I/O.
use strict;
use warnings;
use lib 't/lib';
use File::Path qw(make_path);
use StreamVault::Test qw(stack_object free_port spurt);
use StreamVault::Bench qw(wrk report);

my $stack = stack_object(only => 'pg redis nginx', env => { SV_NGINX_WORKERS => 1 });
my $dir = $stack->dir;
my $anchor_port = free_port();

make_path("$dir/static", "$dir/nginx/extra");
spurt("$dir/nginx/extra/anchor.conf", <<"EOF_CONF");
server {
    listen 127.0.0.1:$anchor_port;
    root $dir/static;
    open_file_cache max=16;
    location = /health.json { default_type application/json; add_header Cache-Control no-store; }
}
EOF_CONF
$stack->start;

my $health = $stack->get('/api/health')->{content};
spurt("$dir/static/health.json", $health, 0644);
chmod 0755, "$dir/static";

wrk($stack->url . '/api/health', seconds => 1);    # warm-up
my $ours = wrk($stack->url . '/api/health');
my $anchor = wrk("http://127.0.0.1:$anchor_port/health.json");
report('GET /api/health (module)', $ours, $anchor, 'static file, same bytes');
