use strict; use warnings; use lib 't/lib'; use StreamVault::Test qw(run_unit_binary); run_unit_binary('test_events');
