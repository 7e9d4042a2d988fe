# The embedded default, as a user runs it: `make run` starts the whole stack
# and prints the URL and the first admin's credentials once; a second
# `make run` reuses it; `make stop` leaves no process behind.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use StreamVault::Test qw(stack_object run_cmd top_dir slurp alive wait_for);

my $stack = stack_object();
my ($dir, $port) = ($stack->dir, $stack->port);
my %env = (MAKEFLAGS => '', MAKELEVEL => '');
my @make = ('make', '--no-print-directory', '-C', top_dir(), "VAR=$dir", "PORT=$port");

sub children_of {
    my ($parent) = @_;
    my @kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        my $text = slurp($stat) // next;
        my ($pid, $ppid) = $text =~ /^(\d+) \(.*\) \S+ (\d+)/s or next;
        push @kids, $pid if $ppid == $parent;
    }
    return @kids;
}

sub our_processes {
    my @pids = grep { defined } map { $stack->pid($_) } qw(worker nginx redis pg);
    return grep { alive($_) } @pids, map { children_of($_) } @pids;
}

my $r = run_cmd([@make, 'run'], env => \%env, timeout => 300);
is($r->{status}, 0, 'make run succeeds') or diag("$r->{out}$r->{err}");
like($r->{out}, qr{http://127\.0\.0\.1:$port/}, 'prints the URL');
my ($user, $password) = $r->{out} =~ /first admin \(username password\), shown once: (\S+) (\S+)/;
is($user, 'admin', "prints the first admin's name");
like($password // '', qr/^[A-Za-z0-9]{16,}$/, 'and a strong random password');

my $admin_file = "$dir/initial-admin.txt";
is(slurp($admin_file), "admin $password\n", 'the credentials are in var/initial-admin.txt');
is((stat $admin_file)[2] & 07777, 0600, 'which is mode 600');
like($stack->psql("SELECT role || ' ' || password_hash FROM users WHERE username = 'admin'"),
     qr/^admin \$y\$/, 'the admin is stored with a yescrypt hash');

my $curl = run_cmd(['curl', '-fsS', "http://127.0.0.1:$port/api/health"]);
like($curl->{out}, qr/"status":"ok"/, 'curl 127.0.0.1:PORT/api/health answers');

my @running = our_processes();
ok(@running >= 6, scalar(@running) . ' processes of ours are running');

$r = run_cmd([@make, 'run'], env => \%env, timeout => 120);
is($r->{status}, 0, 'a second make run succeeds');
like($r->{out}, qr/already running/, 'and reuses the running stack');
unlike($r->{out}, qr/shown once/, 'without a new password');

$r = run_cmd([@make, 'stop'], env => \%env, timeout => 120);
is($r->{status}, 0, 'make stop succeeds') or diag("$r->{out}$r->{err}");
ok(wait_for(sub { !grep { alive($_) } @running }, 10), 'make stop leaves no process behind')
    or diag('still running: ' . join(' ', grep { alive($_) } @running));

# Started again, it keeps its data: the same admin, no new password.
$r = run_cmd([@make, 'run'], env => \%env, timeout => 120);
is($r->{status}, 0, 'make run after make stop succeeds') or diag("$r->{out}$r->{err}");
unlike($r->{out}, qr/shown once/, 'the data was reused: no new admin');
is(slurp($admin_file), "admin $password\n", 'the credentials file is unchanged');
is($stack->psql('SELECT count(*) FROM users'), 1, 'one user');
@running = our_processes();
$r = run_cmd([@make, 'stop'], env => \%env, timeout => 120);
is($r->{status}, 0, 'make stop again');
ok(wait_for(sub { !grep { alive($_) } @running }, 10), 'and again nothing is left');

done_testing;
