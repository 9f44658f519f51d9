using Chat.Bench;

return await BenchApp.RunAsync(args);
