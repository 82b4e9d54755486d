import { Global, Module } from '@nestjs/common';
import { Transactions } from './transactions';
import { WalCheckpointer } from './wal-checkpointer';

/** The one way to write (and to find the current transaction's manager), for every module. */
@Global()
@Module({
  providers: [Transactions, WalCheckpointer],
  exports: [Transactions],
})
export class DatabaseModule {}
