using ActorMigration.Watchdog;

return WatchdogArgs.Parse(args) is { } a ? WatchdogDaemon.Run(a) : 2;
