package StreamVault::Browser;

# Headless Chromium (Debian's chromium) driven through the web UI by
# t/ui/driver.mjs with npm's playwright-core: one JSON command per line to
# the driver, one JSON answer back, each within a time bound. The driver and
# its browser run in a process group of their own, stopped as a whole when
# the browser object goes or the test file ends.
#
#   my $ui = StreamVault::Browser->start(url => $stack->url, out => $dir);
#   my $r = $ui->call('login', username => 'admin', password => '...');
#   $r->{ok} or diag $r->{error};

use strict;
use warnings;

use IO::Handle;
use IO::Select;
use JSON::PP ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use StreamVault::Test qw(top_dir);

my $json = JSON::PP->new->utf8->canonical;
my @live;

# The reason the browser cannot run here, or undef.
sub missing {
    return 'node not found (Debian package nodejs)' unless grep { -x "$_/node" } split /:/, $ENV{PATH};
    my $chromium = $ENV{SV_CHROMIUM} || '/usr/bin/chromium';
    return "$chromium not found (Debian package chromium)" unless -x $chromium;
    return 'playwright-core is not installed (make: npm ci)' unless -d top_dir() . '/node_modules/playwright-core';
    return undef;
}

# start(url => base URL, out => directory for screenshots and the driver's
# log, timeout => seconds for Chromium to start)
sub start {
    my ($class, %o) = @_;
    pipe(my $cmd_r, my $cmd_w) or die "pipe: $!";
    pipe(my $ans_r, my $ans_w) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        POSIX::setpgid(0, 0);
        close $cmd_w;
        close $ans_r;
        open STDIN, '<&', $cmd_r or die;
        open STDOUT, '>&', $ans_w or die;
        open STDERR, '>>', "$o{out}/driver.log" or die;
        exec 'node', top_dir() . '/t/ui/driver.mjs', $o{url}, $o{out} or die "exec node: $!";
    }
    close $cmd_r;
    close $ans_w;
    $cmd_w->autoflush(1);
    my $self = bless { pid => $pid, w => $cmd_w, r => $ans_r, buf => '', out => $o{out} }, $class;
    push @live, $self;
    my $ready = $self->answer($o{timeout} // 60);
    die "the browser did not start: $ready->{error}\n" unless $ready->{ok};
    return $self;
}

sub out { $_[0]{out} }

# The next answer line, or {ok => 0, error} after $seconds.
sub answer {
    my ($self, $seconds) = @_;
    my $deadline = time + $seconds;
    my $sel = IO::Select->new($self->{r});
    while ($self->{buf} !~ /\n/) {
        my $left = $deadline - time;
        return { ok => 0, error => "no answer within ${seconds}s" } if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread $self->{r}, $self->{buf}, 65536, length $self->{buf};
        return { ok => 0, error => 'the driver exited (see driver.log)' } unless $n;
    }
    $self->{buf} =~ s/^([^\n]*)\n//;
    my $line = $1;
    return eval { $json->decode($line) } // { ok => 0, error => "bad answer: $line" };
}

# call($command, %args): the answer; waits timeout => seconds (the
# command's own bound) plus a margin.
sub call {
    my ($self, $cmd, %args) = @_;
    my $timeout = $args{timeout} // 30;
    local $SIG{PIPE} = 'IGNORE';
    print { $self->{w} } $json->encode({ %args, cmd => $cmd, timeout => $timeout }), "\n";
    return $self->answer($timeout + 15);
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    local $SIG{PIPE} = 'IGNORE';
    print { $self->{w} } qq({"cmd":"quit"}\n);
    close $self->{w};
    my $deadline = time + 15;
    while (time < $deadline) {
        return if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    kill 'TERM', -$pid;
    sleep 2;
    kill 'KILL', -$pid;
    waitpid($pid, 0);
}

sub DESTROY { local ($?, $@); $_[0]->stop }

# runs before the harness's END (which stops the stacks)
END { local $?; $_->stop for @live }

1;
