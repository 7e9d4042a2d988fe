# make install lays out the module, the worker, the migrations, the web UI
# and the config templates under DESTDIR, and the installed templates render.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use StreamVault::Test qw(run_cmd test_dir top_dir);

my $dest = test_dir();
my $r = run_cmd(['make', '--no-print-directory', '-C', top_dir(), 'install', "DESTDIR=$dest",
                 'PREFIX=/usr/local'], env => { MAKEFLAGS => '', MAKELEVEL => '' }, timeout => 300);
is($r->{status}, 0, 'make install succeeds') or diag("$r->{out}$r->{err}");

my $share = "$dest/usr/local/share/streamvault";
ok(-f "$dest/usr/lib/nginx/modules/ngx_streamvault_module.so", "the module in nginx's modules dir");
ok(-x "$dest/usr/local/bin/streamvault-worker", 'the worker in PREFIX/bin');
ok(-f "$share/sql/001_initial.sql", 'the migrations');
ok(-f "$share/html/index.html", 'the web UI');
ok(-f "$share/html/vendor/hls.module.js" && -f "$share/html/vendor/hls.worker.js", 'with hls.js from npm');
ok(-x "$share/conf/render-conf", 'the config renderer');
for my $t (qw(mod-streamvault.conf.in streamvault.conf.in worker.conf.in)) {
    ok(-f "$share/conf/$t", "template $t");
}

$r = run_cmd(["$share/conf/render-conf", "$share/conf/mod-streamvault.conf.in",
              'MODULE=/usr/lib/nginx/modules/ngx_streamvault_module.so']);
is($r->{out} =~ /^load_module \/usr\/lib\/nginx\/modules\/ngx_streamvault_module\.so;$/m ? 1 : 0, 1,
   'the installed load_module template renders');
$r = run_cmd(["$share/conf/render-conf", "$share/conf/mod-streamvault.conf.in"]);
isnt($r->{status}, 0, 'a template rendered without its values is an error');
like($r->{err}, qr/no value for \@MODULE\@/, 'naming the missing value');

done_testing;
