using CodeActSdk.Cli;

return await CodeActCommandLine.InvokeAsync(args).ConfigureAwait(false);
