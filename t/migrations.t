# The worker's migration runner against a real PostgreSQL: applied in order,
# once, each in a transaction, recorded with a checksum, under an advisory
# lock; an edited applied migration is refused.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Copy qw(copy);
use File::Path qw(make_path);
use StreamVault::Test qw(start_stack run_cmd worker_bin slurp spurt top_dir);

my $stack = start_stack(only => 'pg redis');
my $dir = $stack->dir;

# A private copy of sql/ that this test may edit.
my $sql = "$dir/sql";
make_path($sql);
copy($_, $sql) or die "copy $_: $!" for glob(top_dir() . '/sql/*.sql');
my @shipped = map { (m{([^/]+)\.sql$})[0] } sort glob("$sql/*.sql");

my $conf = $stack->worker_conf(sql_dir => $sql, log_file => 'stderr');

sub migrate {
    my ($config) = @_;
    my $r = run_cmd([worker_bin(), '-c', $config // $conf, '--migrate-only'], timeout => 60);
    $r->{text} = $r->{out} . $r->{err};
    return $r;
}

sub recorded {
    return $stack->psql("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version");
}

my $r = migrate();
is($r->{status}, 0, 'fresh database: migrations apply') or diag($r->{text});
my @rows = split /\n/, recorded();
is(scalar @rows, scalar @shipped, 'one schema_migrations row per file');
for my $i (0 .. $#shipped) {
    my ($version, $name, $checksum) = split /\|/, $rows[$i] // '';
    my ($number) = $shipped[$i] =~ /^(\d+)/;
    is($version, $number + 0, "$shipped[$i]: version");
    is($name, "$shipped[$i].sql", "$shipped[$i]: name");
    is($checksum, sha256_hex(slurp("$sql/$shipped[$i].sql")), "$shipped[$i]: SHA-256 checksum");
}
for my $table (qw(users sessions api_tokens streamers streams stream_events
                  recordings media_assets jobs schedules settings)) {
    is($stack->psql("SELECT to_regclass('public.$table') IS NOT NULL"), 't', "table $table exists");
}
is($stack->psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'api'"), 1, 'schema api exists');

my $before = recorded();
$r = migrate();
is($r->{status}, 0, 'second run succeeds') or diag($r->{text});
is(recorded(), $before, 'second run is a no-op: nothing re-applied');

# A new migration is applied; a broken one is rolled back whole.
spurt("$sql/900_probe.sql", "CREATE TABLE probe_ok (id int);\n");
spurt("$sql/901_broken.sql", "CREATE TABLE probe_half (id int);\nSELECT no_such_function();\n");
$r = migrate();
isnt($r->{status}, 0, 'a failing migration fails the run');
like($r->{text}, qr/901_broken\.sql/, 'the error names the file');
like($r->{text}, qr/no_such_function/, "and carries PostgreSQL's message");
is($stack->psql("SELECT to_regclass('public.probe_ok') IS NOT NULL"), 't', 'the good one before it was applied');
is($stack->psql("SELECT to_regclass('public.probe_half') IS NOT NULL"), 'f', 'the broken one left nothing behind');
is($stack->psql("SELECT count(*) FROM schema_migrations WHERE version = 901"), 0, 'and is not recorded');
unlink "$sql/901_broken.sql";

# Editing an applied migration is refused, and nothing after it runs.
spurt("$sql/902_after.sql", "CREATE TABLE probe_after (id int);\n");
open my $fh, '>>', "$sql/$shipped[0].sql" or die;
print {$fh} "\n-- an innocent-looking edit\n";
close $fh;
$r = migrate();
isnt($r->{status}, 0, 'an edited, applied migration is refused');
like($r->{text}, qr/\Q$shipped[0].sql\E/, 'the error names the edited file');
like($r->{text}, qr/edited|checksum/, 'and says it was edited');
is($stack->psql("SELECT to_regclass('public.probe_after') IS NOT NULL"), 'f', 'later migrations did not run');
copy(top_dir() . "/sql/$shipped[0].sql", $sql) or die;
unlink "$sql/902_after.sql";

# Names that do not follow NNN_name.sql are refused, never skipped.
spurt("$sql/7_oops.sql", "SELECT 1;\n");
$r = migrate();
isnt($r->{status}, 0, 'a badly named migration is refused');
like($r->{text}, qr/7_oops\.sql/, 'the error names it');
unlink "$sql/7_oops.sql";
spurt("$sql/900_twin.sql", "SELECT 1;\n");
$r = migrate();
isnt($r->{status}, 0, 'two migrations with one number are refused');
unlink "$sql/900_twin.sql";

# Two workers migrating one fresh database at once: the advisory lock makes
# one wait for the other, and every migration is applied exactly once.
$stack->psql('CREATE DATABASE race');
my $race = $stack->worker_conf(file => 'race.conf', sql_dir => $sql, log_file => 'stderr');
my $text = slurp($race);
$text =~ s/dbname=streamvault/dbname=race/ or die 'no dbname in the worker config';
spurt($race, $text);
my @pids = map { $stack->spawn_worker('-c', $race, '--migrate-only') } 1 .. 3;
my @codes = map { $stack->reap($_, 60) } @pids;
is_deeply(\@codes, [0, 0, 0], 'three concurrent runners all succeed');
my $counts = run_cmd(['psql', '-XAtq', '-h', $stack->pg_socket, '-U', 'streamvault', '-d', 'race',
                      '-c', 'SELECT count(*), count(DISTINCT version) FROM schema_migrations']);
my ($n) = scalar(() = glob("$sql/*.sql"));
is($counts->{out}, "$n|$n\n", 'each migration recorded exactly once');

done_testing;
